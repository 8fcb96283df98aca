/**
 * The mcpb signature block: after the ZIP, "MCPB_SIG_V1", the length of the PKCS#7 (uint32, little-endian), the
 * DER PKCS#7 SignedData (detached, over every byte before the block), then "MCPB_SIG_END". splitSignature finds it
 * without trusting it: a block whose length field does not fit is reported as malformed, not guessed at.
 */
const HEADER = new TextEncoder().encode("MCPB_SIG_V1");
const FOOTER = new TextEncoder().encode("MCPB_SIG_END");

export interface SplitBundle {
  /** The bytes a signature covers (the whole file when there is none). */
  content: Uint8Array;
  /** The DER PKCS#7, when a well-formed block is present. */
  pkcs7?: Uint8Array;
  /** Why a block that seems present cannot be read. */
  malformed?: string;
}

function endsWith(bytes: Uint8Array, tail: Uint8Array, at = bytes.length): boolean {
  if (at < tail.length) return false;
  for (let i = 0; i < tail.length; i++) if (bytes[at - tail.length + i] !== tail[i]) return false;
  return true;
}

export function splitSignature(file: Uint8Array): SplitBundle {
  if (!endsWith(file, FOOTER)) return { content: file };
  const end = file.length - FOOTER.length;
  // The block is HEADER + length + DER: find a header whose length field matches exactly.
  for (let h = end - HEADER.length - 4; h >= 0 && h >= end - HEADER.length - 4 - 1024 * 1024; h--) {
    if (!endsWith(file, HEADER, h + HEADER.length)) continue;
    const view = new DataView(file.buffer, file.byteOffset + h + HEADER.length, 4);
    const len = view.getUint32(0, true);
    if (h + HEADER.length + 4 + len === end) return { content: file.subarray(0, h), pkcs7: file.subarray(h + HEADER.length + 4, end) };
  }
  return {
    content: file,
    malformed: "the file ends with MCPB_SIG_END but holds no well-formed MCPB_SIG_V1 block (its length field does not match)",
  };
}

/** joinSignature appends a signature block to `content`. */
export function joinSignature(content: Uint8Array, pkcs7: Uint8Array): Uint8Array {
  const out = new Uint8Array(content.length + HEADER.length + 4 + pkcs7.length + FOOTER.length);
  out.set(content, 0);
  out.set(HEADER, content.length);
  new DataView(out.buffer).setUint32(content.length + HEADER.length, pkcs7.length, true);
  out.set(pkcs7, content.length + HEADER.length + 4);
  out.set(FOOTER, content.length + HEADER.length + 4 + pkcs7.length);
  return out;
}
