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
  let sd: pkijs.SignedData;
  try {
    const ci = pkijs.ContentInfo.fromBER(split.pkcs7 as Uint8Array<ArrayBuffer>);
    if (ci.contentType !== OID_SIGNED_DATA)
      return { status: "malformed", reason: "the block is not PKCS#7 SignedData", signed: signedInfo };
    sd = new pkijs.SignedData({ schema: ci.content });
  } catch (err) {
    return { status: "malformed", reason: `the block is not readable PKCS#7 (${(err as Error).message})`, signed: signedInfo };
  }
  const certs = (sd.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  if (sd.signerInfos.length !== 1)
    return { status: "invalid", reason: `${sd.signerInfos.length} signers; exactly one is expected`, signed: signedInfo };
  const at = o.at ?? new Date();
  // 1. The signature over these exact bytes (messageDigest and the signed attributes), by the certificate it names.
  let signerCert: pkijs.Certificate | undefined;
  try {
    const r = await sd.verify({
      signer: 0,
      data: content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength) as ArrayBuffer,
      extendedMode: true,
      checkChain: false,
      checkDate: at,
    });
    if (!r.signatureVerified)
      return { status: "invalid", reason: "the signature does not match the bundle's bytes (tampered?)", signed: signedInfo };
    signerCert = r.signerCertificate ?? undefined;
  } catch (err) {
    const e = err as { message?: string; code?: number };
    return { status: "invalid", reason: `the signature does not verify (${e.message ?? String(err)})`, signed: signedInfo };
  }
  if (!signerCert) return { status: "invalid", reason: "the signer's certificate is not in the block", signed: signedInfo };
  const leaf = new X509Certificate(Buffer.from(signerCert.toSchema().toBER(false)));
  const pool = certs.map((c) => new X509Certificate(Buffer.from(c.toSchema().toBER(false))));
  const anchors = (o.trusted ?? rootCertificates).flatMap((p) => pemBlocks(p)).map((d) => new X509Certificate(Buffer.from(d)));
  const signingTime = attributeTime(sd);
  const base: SignatureReport = { status: "signed", signed: signedInfo, signer: describe(leaf), signingTime };
  // 2. The chain: from the signer up through the block's certificates to a trust anchor, each link's signature checked.
  const chain: X509Certificate[] = [leaf];
  for (let depth = 0; depth < 8; depth++) {
    const cur = chain[chain.length - 1]!;
    const anchor = anchors.find((a) => cur.checkIssued(a) && cur.verify(a.publicKey));
    if (anchor) {
      if (anchor.fingerprint256 !== cur.fingerprint256) chain.push(anchor);
      const expired = chain.find((c) => new Date(c.validTo) < at || new Date(c.validFrom) > at);
      if (expired)
        return {
          ...base,
          status: "invalid",
          reason: `${expired.subject.replace(/\n/g, ", ")} is outside its validity dates`,
          chain: chain.map((c) => c.subject.replace(/\n/g, ", ")),
        };
      return { ...base, chain: chain.map((c) => c.subject.replace(/\n/g, ", ")) };
    }
    const next = pool.find((c) => c.fingerprint256 !== cur.fingerprint256 && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (!next) break;
    chain.push(next);
  }
  const selfSigned = leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey);
  return {
    ...base,
    status: selfSigned ? "self-signed" : "untrusted",
    reason: selfSigned
      ? "the signer's certificate is self-signed and not among the trust anchors"
      : "the signer's certificate does not chain to a trust anchor",
    chain: chain.map((c) => c.subject.replace(/\n/g, ", ")),
  };
}

function attributeTime(sd: pkijs.SignedData): string | undefined {
  const attr = sd.signerInfos[0]?.signedAttrs?.attributes.find((a) => a.type === OID_SIGNING_TIME);
  const v = attr?.values[0] as { toDate?: () => Date } | undefined;
  return v?.toDate?.().toISOString();
}
