/**
 * The names clients give themselves, as the pages show them and as they are compared with the names of configured
 * clients. A registration or a metadata document names itself; only a configured client's name was chosen by
 * whoever runs this server. A self-chosen name must not pass for a configured one on a page, however it is spelt:
 * so names are cleaned of what draws nothing or draws blank space before they are compared or shown.
 */

/**
 * Characters that draw as blank space yet are neither white space to `\s` nor mapped to a space by NFKC: the
 * Hangul fillers (U+115F, U+1160, U+3164 and its half-width form U+FFA0, which NFKC makes U+1160), the braille
 * blank U+2800 and the musical null notehead U+1D159. They read as a space, so they count as one.
 */
const BLANKS = /[\u115F\u1160\u2800\u3164\uFFA0\u{1D159}]/gu;
/**
 * Characters that draw nothing: format and control characters (zero-width spaces, bidi overrides, tags), and every
 * other Default_Ignorable_Code_Point — combining ones included: the combining grapheme joiner U+034F, variation
 * selectors, Mongolian free variation selectors, the Khmer inherent vowels U+17B4/U+17B5 — and the Khitan filler
 * U+16FE4, ignorable in all but name.
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}\u{16FE4}]/gu;

/**
 * cleanName: a client's self-chosen name as the pages show it and as names are compared — compatibility-normalized
 * (NFKC: full-width and ligature forms become plain letters, the no-break and typographic spaces a space), blank
 * look-alikes made spaces (BLANKS), what draws nothing removed (INVISIBLE; an emoji loses its joiners and
 * presentation selectors, which is the price), white space collapsed, trimmed, at most 200 characters; undefined
 * when nothing is left, so that the pages show the client id instead of a blank.
 */
export function cleanName(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const name = raw
    .normalize("NFKC")
    .replace(BLANKS, " ")
    .replace(INVISIBLE, "")
    // Again: a removed joiner may have stood between a letter and its accent.
    .normalize("NFKC")
    .replace(/\s+/gu, " ")
    .trim()
    .slice(0, 200);
  return name === "" ? undefined : name;
}

/** foldName: a name for comparison — cleaned, then case-folded (lower then upper, so that "ß" and "SS" meet). */
export function foldName(name: string): string {
  return (cleanName(name) ?? "").toLowerCase().toUpperCase().normalize("NFKC");
}

/** A client as the pages name it. */
export interface ShownClient {
  clientId: string;
  /** configured (the operator's), registered (Dynamic Client Registration) or metadata-document (an https URL). */
  kind: "configured" | "registered" | "metadata-document";
  /** The name to show; without one, the pages show the client id. */
  name?: string;
  /** Set when the client's own name reads as a configured client's: it is not shown, and the page says why. */
  imitation?: boolean;
}
