/** Icon checks (SEP-973): each icon needs a `src` that is an http(s) or data: URI. */
import { misuse } from "../protocol/errors.js";
import type { Icon } from "../protocol/generated/schema-types.js";

export function checkIcons(icons: Icon[], op: string): void {
  if (!Array.isArray(icons)) throw misuse(`${op}: icons must be an array of { src, mimeType?, sizes?, theme? }`);
  for (const icon of icons) {
    const src = icon?.src;
    if (typeof src !== "string" || !/^(https?:|data:)/i.test(src)) {
      throw misuse(
        `${op}: icon src ${JSON.stringify(src)} must be an https:, http: or data: URI (SEP-973); host the image or inline it as a data: URI`,
      );
    }
    if (icon.theme !== undefined && icon.theme !== "light" && icon.theme !== "dark")
      throw misuse(`${op}: icon theme must be "light" or "dark"`);
  }
}
