export { SecretError, type SecretErrorCode } from './errors.js';
export { loadKeyRing, kekFromBytes, type Kek, type KeyRing, type Env } from './kek.js';
export { SecretStore, generateSecret, checkSecretName, type StoreOptions, type SecretInfo, type VersionState } from './store.js';
export { Redactor, MIN_MASKED_LENGTH } from './redact.js';
export { VaultClient, type VaultOptions } from './vault.js';
export { createSecretResolver, resolveSecretRefs, type SecretResolver, type SecretResolverOptions, type SecretRefProblem } from './resolver.js';
