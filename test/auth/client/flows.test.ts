/** The flow factories check their options at once and name the fix. (The flows' exchanges are tested end to end in oauth-client.test.ts and by the conformance client.) */
import { test } from "node:test";
import assert from "node:assert/strict";
import { authorizationCodeFlow, clientCredentialsFlow, enterpriseFlow, jwtBearerFlow } from "../../../src/auth/client/flows.js";

test("each factory refuses missing options with a coded TypeError that names them", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => authorizationCodeFlow({} as never), /authorizationCodeFlow: redirectUri and authorize\(url\)/],
    [
      () =>
        authorizationCodeFlow({
          redirectUri: "http://127.0.0.1/cb",
          authorize: async () => "",
          clientMetadataUrl: "http://insecure/c.json",
        }),
      /clientMetadataUrl .* must be an https URL/,
    ],
    [() => clientCredentialsFlow({ clientId: "c" }), /clientCredentialsFlow: clientId and either clientSecret or clientKey/],
    [() => enterpriseFlow({ clientId: "c" } as never), /enterpriseFlow: clientId and idp/],
    [() => jwtBearerFlow({ clientId: "c" } as never), /jwtBearerFlow: clientId and assertion/],
  ];
  for (const [make, why] of cases)
    assert.throws(
      make,
      (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === "ERR_INVALID_ARG_VALUE" && why.test((e as Error).message),
      String(why),
    );
  assert.equal(clientCredentialsFlow({ clientId: "c", clientSecret: "s" }).name, "client_credentials");
});
