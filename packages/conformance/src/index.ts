export { fragmentStoreSuite, type FragmentStoreFactory } from './fragment-store-suite.js';
export { metadataStoreSuite, type MetadataStoreFactory } from './metadata-store-suite.js';
