/**
 * Signing and verifying bundles in the mcpb format (PKCS#7 SignedData, detached, with contentType, messageDigest
 * and signingTime attributes, appended as an MCPB_SIG_V1 block), with pkijs.
 *
 * Unlike the reference tool, the signed file stays a valid ZIP: the end-of-central-directory comment length is set
 * to cover the block, so strict ZIP readers accept it, and that very length field is part of what is signed (the
 * block's size is known before signing: a signature's DER length is tried until it matches, which ECDSA's varying
 * length makes take a retry now and then). Verification checks the signature over the exact bytes before the
 * block, the certificate chain to the trust anchors given (or the system's), and every certificate's dates, and
 * says what was signed.
 */
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { rootCertificates } from "node:tls";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { TrellisError } from "../protocol/errors.js";
import { joinSignature, splitSignature } from "./signature.js";

const OID_DATA = "1.2.840.113549.1.7.1";
const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_SIGNING_TIME = "1.2.840.113549.1.9.5";
const BLOCK_OVERHEAD = "MCPB_SIG_V1".length + 4 + "MCPB_SIG_END".length;

export interface SignOptions {
  /** The signing certificate, PEM. */
  certificate: string;
  /** Its private key, PEM (PKCS#8, or PKCS#1 / SEC1). */
  privateKey: string;
  /** Intermediate certificates, PEM, to include so verifiers can build the chain. */
  intermediates?: string[];
}

export type SignatureStatus = "signed" | "self-signed" | "untrusted" | "invalid" | "unsigned" | "malformed";

export interface SignatureReport {
  status: SignatureStatus;
  /** Why, in words, when not "signed". */
  reason?: string;
  /** What was signed: the byte count and SHA-256 of the bytes before the block. */
  signed?: { bytes: number; sha256: string };
  signer?: { subject: string; issuer: string; validFrom: string; validTo: string; fingerprint256: string; serialNumber: string };
  /** The chain, signer first, as subjects. */
  chain?: string[];
  signingTime?: string;
}

function pemBlocks(pem: string, label = "CERTIFICATE"): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, "g");
  return [...pem.matchAll(re)].map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64")));
}

function toCert(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(der as Uint8Array<ArrayBuffer>);
}

/** eocdOf finds the end-of-central-directory record of a ZIP that ends with it (plus its comment). */
function eocdOf(zip: Uint8Array): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--)
    if (view.getUint32(i, true) === 0x06054b50 && i + 22 + view.getUint16(i + 20, true) >= zip.length - 65_535) return i;
  throw new TrellisError("INVALID_MESSAGE", "not a ZIP archive (no end of central directory)");
}

/** withCommentLength returns a copy of `zip` whose EOCD comment length is set to `length`. */
function withCommentLength(zip: Uint8Array, length: number): Uint8Array {
  const copy = new Uint8Array(zip);
  const at = eocdOf(copy);
  new DataView(copy.buffer).setUint16(at + 20, length, true);
  return copy;
}

/** unsignBundle removes a signature block and puts the ZIP back as it was before signing. */
export function unsignBundle(file: Uint8Array): Uint8Array {
  const split = splitSignature(file);
  if (split.malformed) throw new TrellisError("INVALID_MESSAGE", split.malformed);
  if (!split.pkcs7) return file;
  const content = split.content;
  const at = eocdOf(content);
  const actual = content.length - at - 22;
  return withCommentLength(content, actual);
}

async function signatureKey(pem: string, certificate: pkijs.Certificate): Promise<{ key: CryptoKey; hash: string }> {
  const ko = createPrivateKey(pem);
  const der = ko.export({ type: "pkcs8", format: "der" });
  const hash = "SHA-256";
  if (ko.asymmetricKeyType === "rsa")
    return { key: await crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["sign"]), hash };
  if (ko.asymmetricKeyType === "ec") {
    const curve =
      ko.asymmetricKeyDetails?.namedCurve === "secp384r1"
        ? "P-384"
        : ko.asymmetricKeyDetails?.namedCurve === "secp521r1"
          ? "P-521"
          : "P-256";
    return { key: await crypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: curve }, false, ["sign"]), hash };
  }
  void certificate;
  throw new TrellisError("INVALID_MESSAGE", `keys of type ${ko.asymmetricKeyType} cannot sign bundles here (use RSA or EC)`);
}

async function pkcs7(content: Uint8Array, o: SignOptions): Promise<Uint8Array> {
  const [leafDer] = pemBlocks(o.certificate);
  if (!leafDer) throw new TrellisError("INVALID_MESSAGE", "the certificate is not a PEM CERTIFICATE");
  const leaf = toCert(leafDer);
  const chain = (o.intermediates ?? []).flatMap((p) => pemBlocks(p)).map(toCert);
  const { key, hash } = await signatureKey(o.privateKey, leaf);
  const digest = new Uint8Array(await crypto.subtle.digest(hash, content as Uint8Array<ArrayBuffer>));
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID_DATA }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: leaf.issuer, serialNumber: leaf.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_DATA })] }),
            new pkijs.Attribute({ type: OID_SIGNING_TIME, values: [new asn1js.UTCTime({ valueDate: new Date() })] }),
            new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: digest })] }),
          ],
        }),
      }),
    ],
    certificates: [leaf, ...chain],
  });
  await signed.sign(key, 0, hash);
  const info = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signed.toSchema(true) });
  return new Uint8Array(info.toSchema().toBER(false));
}

/** signBundle signs a bundle (any signature it has is replaced). The result is still a valid ZIP. */
export async function signBundle(file: Uint8Array, o: SignOptions): Promise<Uint8Array> {
  const zip = unsignBundle(file);
  const at = eocdOf(zip);
  const comment = zip.length - at - 22;
  let length = (await pkcs7(withCommentLength(zip, comment), o)).length;
  for (let attempt = 0; attempt < 16; attempt++) {
    if (comment + BLOCK_OVERHEAD + length > 65_535)
      throw new TrellisError("INVALID_MESSAGE", "the signature (with its certificates) is too large for a ZIP comment (64 KiB)");
    const content = withCommentLength(zip, comment + BLOCK_OVERHEAD + length);
    const der = await pkcs7(content, o);
    if (der.length === length) return joinSignature(content, der);
    length = der.length;
  }
  throw new TrellisError("INTERNAL", "the signature's length would not settle; try again");
}

function describe(c: X509Certificate) {
  return {
    subject: c.subject.replace(/\n/g, ", "),
    issuer: c.issuer.replace(/\n/g, ", "),
    validFrom: new Date(c.validFrom).toISOString(),
    validTo: new Date(c.validTo).toISOString(),
    fingerprint256: c.fingerprint256,
    serialNumber: c.serialNumber,
  };
}

export interface VerifyOptions {
  /** Trust anchors, PEM (one or more certificates per string). Default: the system's (Node's root store). */
  trusted?: string[];
  /** Check dates at this time. Default: now. */
  at?: Date;
}

/**
 * verifyBundle checks a bundle's signature: "signed" only when the signature covers exactly the bytes before the
 * block, the signer's certificate chains to a trust anchor, and every certificate is within its dates. Anything
 * less gets its status and the reason; nothing here throws on a hostile file.
 */
export async function verifyBundle(file: Uint8Array, o: VerifyOptions = {}): Promise<SignatureReport> {
  const split = splitSignature(file);
  if (split.malformed) return { status: "malformed", reason: split.malformed };
  if (!split.pkcs7) return { status: "unsigned", reason: "the bundle carries no signature block" };
  const content = split.content;
  const signedInfo = { bytes: content.length, sha256: createHash("sha256").update(content).digest("hex") };
  try {
    return await verifySigned(split.pkcs7, content, signedInfo, o);
  } catch (err) {
    // Nothing a hostile block holds may throw out of here: anything unexpected is a block we cannot read.
    return { status: "malformed", reason: `the signature block cannot be checked (${(err as Error).message})`, signed: signedInfo };
  }
}

const DIGESTS: Record<string, string> = {
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};
const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_KEY_USAGE = "2.5.29.15";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const OID_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const OID_ANY_EKU = "2.5.29.37.0";

/** extension finds a certificate extension's parsed value by OID. */
function extension(c: pkijs.Certificate, oid: string): unknown {
  return c.extensions?.find((e) => e.extnID === oid)?.parsedValue;
}

/** canIssue: a certificate may sign others only as a CA (basicConstraints CA:TRUE), within its path length, with keyCertSign. */
function canIssue(c: pkijs.Certificate, below: number): string | undefined {
  const bc = extension(c, OID_BASIC_CONSTRAINTS) as
    | { cA?: boolean; pathLenConstraint?: number | { valueBlock?: { valueDec?: number } } }
    | undefined;
  if (!bc?.cA) return "is not a CA (basicConstraints CA:TRUE is missing)";
  const len = typeof bc.pathLenConstraint === "number" ? bc.pathLenConstraint : bc.pathLenConstraint?.valueBlock?.valueDec;
  if (typeof len === "number" && below > len) return `allows ${len} CA certificates below it, not ${below}`;
  const ku = extension(c, OID_KEY_USAGE) as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  const bits = ku?.valueBlock?.valueHexView;
  if (bits && !(bits[0]! & 0x04)) return "may not sign certificates (keyUsage lacks keyCertSign)";
  return undefined;
}

async function verifySigned(
  der: Uint8Array,
  content: Uint8Array,
  signedInfo: { bytes: number; sha256: string },
  o: VerifyOptions,
): Promise<SignatureReport> {
  let sd: pkijs.SignedData;
  try {
    const ci = pkijs.ContentInfo.fromBER(der as Uint8Array<ArrayBuffer>);
    if (ci.contentType !== OID_SIGNED_DATA)
      return { status: "malformed", reason: "the block is not PKCS#7 SignedData", signed: signedInfo };
    sd = new pkijs.SignedData({ schema: ci.content });
  } catch (err) {
    return { status: "malformed", reason: `the block is not readable PKCS#7 (${(err as Error).message})`, signed: signedInfo };
  }
  const invalid = (reason: string): SignatureReport => ({ status: "invalid", reason, signed: signedInfo });
  // Detached only: a signature that carries its own content signs that content, not this bundle.
  if (sd.encapContentInfo.eContent) return invalid("the signature carries its own content instead of signing the bundle (not detached)");
  if (sd.encapContentInfo.eContentType !== OID_DATA) return invalid("the signature is not over data (eContentType)");
  if (sd.signerInfos.length !== 1) return invalid(`${sd.signerInfos.length} signers; exactly one is expected`);
  const si = sd.signerInfos[0]!;
  const digestName = DIGESTS[si.digestAlgorithm.algorithmId];
  if (!digestName) return invalid(`digest algorithm ${si.digestAlgorithm.algorithmId} is not accepted (SHA-256, -384 or -512)`);
  // The signed attributes must name this content and carry its digest, computed here, not taken on trust.
  const attrs = si.signedAttrs?.attributes;
  if (!attrs) return invalid("the signature has no signed attributes (contentType, messageDigest)");
  const ct = attrs.find((a) => a.type === OID_CONTENT_TYPE)?.values[0] as { valueBlock?: { toString(): string } } | undefined;
  if (!ct || (ct as unknown as asn1js.ObjectIdentifier).valueBlock.toString() !== OID_DATA)
    return invalid("the contentType attribute is not data");
  const md = attrs.find((a) => a.type === OID_MESSAGE_DIGEST)?.values[0] as asn1js.OctetString | undefined;
  const expected = createHash(digestName).update(content).digest();
  if (!md || !Buffer.from(md.valueBlock.valueHexView).equals(expected))
    return invalid("the signature does not match the bundle's bytes (tampered?)");
  const certs = (sd.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate).slice(0, 10);
  const at = o.at ?? new Date();
  let signerCert: pkijs.Certificate | undefined;
  try {
    const r = await sd.verify({
      signer: 0,
      data: content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength) as ArrayBuffer,
      extendedMode: true,
      checkChain: false,
      checkDate: at,
    });
    if (!r.signatureVerified) return invalid("the signature does not match the bundle's bytes (tampered?)");
    signerCert = r.signerCertificate ?? undefined;
  } catch (err) {
    const e = err as { message?: string };
    return invalid(`the signature does not verify (${e.message ?? String(err)})`);
  }
  if (!signerCert) return invalid("the signer's certificate is not in the block");
  const leaf = new X509Certificate(Buffer.from(signerCert.toSchema().toBER(false)));
  const byFingerprint = new Map<string, pkijs.Certificate>();
  const pool = certs.map((c) => {
    const x = new X509Certificate(Buffer.from(c.toSchema().toBER(false)));
    byFingerprint.set(x.fingerprint256, c);
    return x;
  });
  const explicitAnchors = o.trusted !== undefined;
  const anchorCerts = (o.trusted ?? rootCertificates).flatMap((p) => pemBlocks(p));
  const anchors = anchorCerts.map((d) => {
    const x = new X509Certificate(Buffer.from(d));
    byFingerprint.set(x.fingerprint256, toCert(d));
    return x;
  });
  const signingTime = attributeTime(sd);
  const base: SignatureReport = { status: "signed", signed: signedInfo, signer: describe(leaf), signingTime };
  // The signer's purpose: with an EKU, it must allow code signing; without one, only anchors given explicitly vouch
  // for it (a web server's certificate from the system store does not sign software).
  const eku = (extension(signerCert, OID_EXT_KEY_USAGE) as { keyPurposes?: string[] } | undefined)?.keyPurposes;
  if (eku && !eku.includes(OID_CODE_SIGNING) && !eku.includes(OID_ANY_EKU))
    return { ...base, status: "invalid", reason: "the signer's certificate is not for code signing (extendedKeyUsage)" };
  if (!eku && !explicitAnchors)
    return {
      ...base,
      status: "untrusted",
      reason: "the signer's certificate does not say it is for code signing; pass the anchors that vouch for it (--ca)",
    };
  const subjects = (chain: X509Certificate[]) => chain.map((c) => c.subject.replace(/\n/g, ", "));
  const chain: X509Certificate[] = [leaf];
  for (let depth = 0; depth < 8; depth++) {
    const cur = chain[chain.length - 1]!;
    const anchor = anchors.find((a) => cur.checkIssued(a) && cur.verify(a.publicKey));
    const next =
      anchor ??
      pool.find(
        (c) =>
          c.fingerprint256 !== cur.fingerprint256 &&
          !chain.some((x) => x.fingerprint256 === c.fingerprint256) &&
          cur.checkIssued(c) &&
          cur.verify(c.publicKey),
      );
    if (!next) break;
    if (next.fingerprint256 !== cur.fingerprint256) {
      const problem = canIssue(byFingerprint.get(next.fingerprint256)!, chain.length - 1);
      if (problem)
        return { ...base, status: "invalid", reason: `${next.subject.replace(/\n/g, ", ")} ${problem}`, chain: subjects([...chain, next]) };
      chain.push(next);
    }
    if (anchor) {
      const expired = chain.find((c) => new Date(c.validTo) < at || new Date(c.validFrom) > at);
      if (expired)
        return {
          ...base,
          status: "invalid",
          reason: `${expired.subject.replace(/\n/g, ", ")} is outside its validity dates`,
          chain: subjects(chain),
        };
      return { ...base, chain: subjects(chain) };
    }
  }
  const selfSigned = leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey);
  return {
    ...base,
    status: selfSigned ? "self-signed" : "untrusted",
    reason: selfSigned
      ? "the signer's certificate is self-signed and not among the trust anchors"
      : "the signer's certificate does not chain to a trust anchor",
    chain: subjects(chain),
  };
}

function attributeTime(sd: pkijs.SignedData): string | undefined {
  const attr = sd.signerInfos[0]?.signedAttrs?.attributes.find((a) => a.type === OID_SIGNING_TIME);
  const v = attr?.values[0] as { toDate?: () => Date } | undefined;
  return v?.toDate?.().toISOString();
}
