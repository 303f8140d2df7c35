/** GitHub's JSON error shape: { message, documentation_url, status, errors? }. */

export interface GithubErrorDetail {
  resource?: string;
  code: string;
  field?: string;
  message?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: GithubErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (message = 'Not Found') => new HttpError(404, message);
export const unprocessable = (message: string, errors?: GithubErrorDetail[]) => new HttpError(422, message, errors);
export const conflict = (message: string) => new HttpError(409, message);

/** 409 on git data calls before the first push — documented in github/rest-api-description#637. */
export const emptyRepository = () => conflict('Git Repository is empty.');

export function errorBody(status: number, message: string, documentationUrl: string, errors?: GithubErrorDetail[]) {
  // Since 2023 GitHub adds "status" as a string to error bodies.
  return { message, documentation_url: documentationUrl, ...(errors ? { errors } : {}), status: String(status) };
}
