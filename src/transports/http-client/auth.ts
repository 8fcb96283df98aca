/**
 * HttpClientAuth: how authorization plugs into the Streamable HTTP client transport (trellis-mcp/auth's OAuthClient
 * is one). The transport knows nothing of OAuth; it asks for headers and hands over 401 / 403 answers.
 */
/** The request an HttpClientAuth is asked about. */
export interface AuthRequest {
  method: string;
  url: URL;
  /** The headers the request was sent with (on a challenge). */
  headers?: Headers;
  /** How many times this request was already sent again after a challenge. */
  attempt: number;
}

/**
 * HttpClientAuth is how authorization plugs into the transport (trellis-mcp/auth's OAuthClient is one): it
 * adds credentials to every request and answers the server's 401 / 403 challenges. The transport knows
 * nothing of OAuth; it only resends a request when `challenge` says new credentials are ready.
 */
export interface HttpClientAuth {
  /** Headers for this request (Authorization and the like); {} when there are no credentials yet. */
  headers(request: AuthRequest): Promise<Record<string, string>>;
  /**
   * Called with a 401 or 403 response. Resolve true when the request should be sent again with new
   * credentials, false to give up on it (the request fails with the server's answer); a throw fails the
   * request with that reason.
   */
  challenge(response: Response, request: AuthRequest): Promise<boolean>;
}

/** AuthorizationFailedError: a request the server refused (401/403) that the client's auth could not satisfy. */
export class AuthorizationFailedError extends Error {
  readonly code = "AUTHORIZATION_FAILED";
  readonly status: number;
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuthorizationFailedError";
    this.status = status;
  }
}
