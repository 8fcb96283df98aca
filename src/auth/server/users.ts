/**
 * How people sign in to the authorization server. A UserAuthenticator checks a username and password; Trellis
 * ships localUsers (development and small teams), with passwords hashed by scrypt — memory-hard, in node:crypto,
 * so no native dependency — and compared in constant time. Unknown users cost the same as wrong passwords.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { misuse } from "../../protocol/errors.js";

/** A signed-in person, as the token and the audit log name them. */
export interface AuthUser {
  /** Stable identifier, the token's `sub`. */
  id: string;
  name?: string;
  roles?: string[];
  groups?: string[];
  /** The identity provider that vouched for them, when not this server. */
  idp?: string;
}

/**
 * A UserAuthenticator checks the passwords of the sign-in form. The sign-in throttle in front of it (throttle.ts:
 * 10 attempts per username in 15 minutes, given back by a successful sign-in) counts attempts per username as
 * normalizeUsername leaves it — NFKC, trimmed, lower case — unless `canonical` names the account. So an
 * authenticator must not let two accounts share a normalized name (a success on one would give the other its
 * attempts back), and one that accepts several names for one account (aliases, "alice" and "alice@corp") should
 * offer `canonical`, or each alias gets its own 10 attempts.
 */
export interface UserAuthenticator {
  /** verifyPassword resolves with the user when the password is theirs, undefined otherwise. */
  verifyPassword(username: string, password: string): Promise<AuthUser | undefined>;
  /**
   * canonical names the account a typed username signs in to — one name per account, whatever alias or spelling
   * was typed (its user id will do) — or undefined when there is none. The throttle then counts that account's
   * attempts, however it is typed. It is called on every attempt, before the throttle: it should be cheap, and as
   * fast for a name that does not exist as for one that does. Without it, attempts count per normalized username.
   */
  canonical?(username: string): Promise<string | undefined> | string | undefined;
  /**
   * lookup finds a user by id as they are now (roles, groups), or undefined when they no longer exist. With it,
   * refreshes and signed-in sessions follow role changes and removals; without it, they keep what sign-in saw.
   */
  lookup?(id: string): Promise<AuthUser | undefined>;
}

export interface LocalUser {
  username: string;
  /** The password in clear (hashed at start) or a hash from hashPassword(). */
  password?: string;
  passwordHash?: string;
  name?: string;
  roles?: string[];
  groups?: string[];
}

/**
 * normalizeUsername: the form under which two usernames are the same — NFKC (full-width letters are letters),
 * trimmed, lower case. The throttle counts attempts per this form, and localUsers looks accounts up by it.
 */
export function normalizeUsername(username: string): string {
  return username.normalize("NFKC").trim().toLowerCase();
}

/** scrypt cost: N = 2^15, r = 8 (32 MiB, ~50-100 ms per check on a server core). */
const N = 32768;
const R = 8;
const P = 1;
const KEYLEN = 32;
const USERNAME = /^[A-Za-z0-9._@+-]{1,128}$/;

/** An scrypt cost: N (work and memory), r (block size), p (runs one after another). */
interface Cost {
  n: number;
  r: number;
  p: number;
}
const DEFAULT_COST: Cost = { n: N, r: R, p: P };
/** The time one check takes grows with N · r · p. */
const work = (c: Cost) => c.n * c.r * c.p;

function derive(password: string, salt: Buffer, { n, r, p }: Cost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** costOf: the cost a hash from hashPassword was made at; undefined for anything else, or a cost out of bounds. */
function costOf(hash: unknown): Cost | undefined {
  const parts = typeof hash === "string" ? hash.split("$") : [];
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  return n >= 1024 && n <= 1 << 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 ? { n, r, p } : undefined;
}

async function hashAt(password: string, cost: Cost): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return `scrypt$${cost.n}$${cost.r}$${cost.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** hashPassword hashes a password for LocalUser.passwordHash: "scrypt$N$r$p$salt$hash" (base64url). */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== "string" || password.length < 8) throw misuse("hashPassword: a password needs at least 8 characters");
  return hashAt(password, DEFAULT_COST);
}

/** verifyPasswordHash checks a password against a hash from hashPassword, in constant time. */
export async function verifyPasswordHash(password: string, hash: string): Promise<boolean> {
  const cost = costOf(hash);
  if (!cost) return false;
  const parts = hash.split("$");
  const want = Buffer.from(parts[5]!, "base64url");
  const got = await derive(typeof password === "string" ? password : "", Buffer.from(parts[4]!, "base64url"), cost);
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * localUsers: users kept in configuration. Passwords given in clear are hashed once, at start; the clear text is
 * not kept. A username that does not exist is checked against a dummy hash at the cost of the most expensive
 * configured one, so timing does not tell who exists (unless hashes of several costs are mixed: a name whose hash
 * is cheaper than the most expensive answers faster than an unknown one — make them all with one cost). Usernames are case-insensitive (normalizeUsername): "Alice" signs in as "alice", whose id stays as configured,
 * and two names that differ only by case are refused — they would share one lockout counter.
 */
export function localUsers(users: LocalUser[]): UserAuthenticator {
  if (!Array.isArray(users)) throw misuse("localUsers: pass a list of { username, password | passwordHash, roles }");
  const byName = new Map<string, { username: string; entry: Promise<{ user: AuthUser; hash: string }> }>();
  // A name that does not exist is checked against a dummy hash made at the cost of the most expensive real one:
  // at a cheaper cost, an unknown name answered faster than a user whose hash was made at a higher one.
  let dummyCost: Cost = users.length === 0 ? DEFAULT_COST : { n: 0, r: 0, p: 0 };
  for (const u of users) {
    if (!USERNAME.test(u?.username ?? ""))
      throw misuse(`localUsers: username ${JSON.stringify(u?.username)} must be 1-128 of letters, digits and . _ @ + -`);
    const same = byName.get(normalizeUsername(u.username));
    if (same?.username === u.username) throw misuse(`localUsers: ${u.username} is listed twice`);
    if (same)
      throw misuse(
        `localUsers: ${JSON.stringify(same.username)} and ${JSON.stringify(u.username)} are one username (usernames are case-insensitive, and the sign-in lockout counts them as one); rename or remove one of them`,
      );
    if (!u.password === !u.passwordHash) throw misuse(`localUsers: ${u.username} needs exactly one of password or passwordHash`);
    const cost = u.passwordHash === undefined ? DEFAULT_COST : costOf(u.passwordHash);
    if (!cost)
      throw misuse(
        `localUsers: the passwordHash of ${u.username} is not a hash from hashPassword() ("scrypt$N$r$p$salt$hash", N from 2^10 to 2^20, r 1-32, p 1-16); make one with hashPassword()`,
      );
    if (work(cost) > work(dummyCost)) dummyCost = cost;
    const user: AuthUser = { id: u.username, name: u.name, roles: u.roles ?? [], groups: u.groups ?? [] };
    const entry = Promise.resolve(u.passwordHash ?? hashPassword(u.password!)).then((hash) => ({ user, hash }));
    entry.catch(() => {});
    byName.set(normalizeUsername(u.username), { username: u.username, entry });
  }
  const find = (username: unknown) => (typeof username === "string" ? byName.get(normalizeUsername(username))?.entry : undefined);
  let dummy: Promise<string> | undefined;
  return {
    async lookup(id) {
      const entry = find(id);
      return entry ? { ...(await entry).user } : undefined;
    },
    async verifyPassword(username, password) {
      const entry = find(username);
      if (!entry) {
        await verifyPasswordHash(password, await (dummy ??= hashAt("not-a-real-password", dummyCost)));
        return undefined;
      }
      const { user, hash } = await entry;
      return (await verifyPasswordHash(password, hash)) ? { ...user } : undefined;
    },
  };
}
