/** Verification emails through nodemailer (SMTP settings from DjibMailOptions). One transport per router. */
import nodemailer from 'nodemailer';
import { DjibError } from './errors.js';
import type { ResolvedDjibOptions } from './options.js';

export interface Mailer {
  send(to: string, subject: string, text: string): Promise<void>;
  close(): void;
}

export function createMailer(options: ResolvedDjibOptions): Mailer | undefined {
  if (!options.mail) return undefined;
  const { smtpUrl, from } = options.mail;
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(to, subject, text) {
      try {
        await transport.sendMail({ from, to, subject, text });
      } catch (err) {
        // The SMTP reply may name hosts or users: logged, not sent to the client.
        options.logger.error({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'djib email failed');
        throw new DjibError('EmailNotSent', 'The email could not be sent; try resendVerificationEmail later');
      }
    },
    close: () => transport.close(),
  };
}
