/**
 * trellis-mcp/bundles: MCP Bundles (.mcpb) as a library — manifests checked against the official schemas, packing
 * and safe reading and unpacking, the signature block. Everything exported here is public API.
 */
export { checkManifest, formatProblems, manifestVersion, MANIFEST_VERSIONS, LATEST_MANIFEST_VERSION } from "./manifest.js";
export type { BundleManifest, ManifestProblem, UserConfigOption } from "./manifest.js";
export { packBundle, readBundle, unpackBundle, cleanBundle, DEFAULT_IGNORES, type ReadBundle } from "./bundle.js";
export { initManifest, type InitOptions } from "./init.js";
export { readZip, writeZip, checkEntryName, type ZipEntry, type ZipLimits } from "./zip.js";
export { splitSignature, joinSignature, type SplitBundle } from "./signature.js";
export {
  signBundle,
  verifyBundle,
  unsignBundle,
  type SignOptions,
  type VerifyOptions,
  type SignatureReport,
  type SignatureStatus,
} from "./sign.js";
export {
  commandLine,
  consentHash,
  describeLaunch,
  launchOfManifest,
  shellQuote,
  withConsent,
  wrap,
  type ConsentStore,
  type Launch,
} from "./launch.js";
export { checkUserConfig, substitute } from "./user-config.js";
/** The one function that makes a bundle's, a manifest's or a server's text safe to print (src/internal/terminal.ts). */
export { visible } from "../internal/terminal.js";
export { CLIENT_NAMES, addServer, configPath, readServer, removeServer, type ClientName, type ServerEntry } from "./clients.js";
export { install, uninstall, trellisHome, type InstallIo, type InstallOptions, type InstallResult, type InstallSource } from "./install.js";
