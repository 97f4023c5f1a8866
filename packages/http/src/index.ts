/**
 * @omnigate/http — the HTTP plumbing every protocol adapter shares, so each adapter keeps only its protocol:
 * JSON answers, bounded small bodies, error answers that never corrupt a started stream, disconnect signals,
 * and the public URL of a mounted router. Works on Node's request/response types (Express's extend them).
 */
export { sendJson, readSmallBody, parseJsonBody, readJsonObject } from './json.js';
export { sendErrorAnswer, drainOrCloseUnreadBody, type ErrorAnswer } from './errors.js';
export { abortSignal, mountUrl, type MountedRequest } from './request.js';
export { translateError, hasMarker, ownErrors, ProtocolError, type ErrorTranslation, type TranslatedError } from './translate-error.js';
export { JSON_API_ERRORS } from './json-api-errors.js';
