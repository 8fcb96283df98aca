// Loaded with --import on the second Node of the test run (see scripts/test.mjs): resolves
// "better-sqlite3" to the copy built for that Node's ABI (scripts/node24.sh), since one node_modules
// holds one native build. Test plumbing only; the library itself imports better-sqlite3 plainly.
import { register } from "node:module";

const target = process.env.TRELLIS_SQLITE_DIR;
if (target) {
  register(
    "data:text/javascript," +
      encodeURIComponent(`
        const target = ${JSON.stringify(target)};
        export async function resolve(specifier, context, next) {
          if (specifier === "better-sqlite3") return next(target + "/lib/index.js", context);
          return next(specifier, context);
        }`),
    import.meta.url,
  );
}
