import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * An error the server answered with: its one-line message and HTTP status.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

const BASE = 'jupyter-mlops/api/v1';

/**
 * Call the jupyter-mlops REST API. ServerConnection adds the token and the XSRF header.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  signal?: AbortSignal
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, BASE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      url,
      { ...init, signal },
      settings
    );
  } catch (error) {
    throw new ApiError(
      `Cannot reach the jupyter-mlops server extension: ${error}`,
      0
    );
  }
  const text = await response.text();
  let data: any = {};
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 200) };
    }
  }
  if (!response.ok) {
    const message =
      response.status === 404 && !data.message
        ? 'The jupyter-mlops server extension is not enabled'
        : data.message || response.statusText;
    throw new ApiError(message, response.status);
  }
  return data as T;
}

/** POST a JSON body (or an already serialised one, `raw`). */
export function post<T>(
  endPoint: string,
  body: unknown,
  signal?: AbortSignal,
  raw?: string
): Promise<T> {
  return requestAPI<T>(
    endPoint,
    { method: 'POST', body: raw ?? JSON.stringify(body) },
    signal
  );
}
