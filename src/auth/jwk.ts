/**
 * JSON Web Keys as Trellis's public API spells them (RFC 7517), so that no signature depends on a library's types:
 * a key is its JSON members, a key set is `{ keys }`.
 */

/** Jwk is one JSON Web Key: `kty` and whatever members its type has (`kid`, `alg`, `use`, `crv`, `x`, `n`, `d`, ...). */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  [member: string]: unknown;
}

/** JwkSet is a JSON Web Key Set, as an issuer's jwks_uri serves it. */
export interface JwkSet {
  keys: Jwk[];
}
