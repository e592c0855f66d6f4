// The daemon's API as the console reads it: JSON documents, and a problem's one line when a request fails.

/** A request the daemon refused or could not answer: `line` is the problem's detail, the CLI's one line. */
export class Problem extends Error {
  constructor(line, status, code) {
    super(line);
    this.status = status;
    this.code = code;
  }
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) {
    throw new Problem(body?.detail ?? `${response.status} ${response.statusText}`.trim(), response.status, body?.code ?? null);
  }
  return body ?? text;
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, { cache: 'no-store', credentials: 'same-origin', ...init });
  } catch {
    throw new Problem('the daemon does not answer (is it running, and is this its address?)', 0, 'unreachable');
  }
  return answer(response);
}

export const get = (path) => send(path, { headers: { Accept: 'application/json' } });
export const getText = (path) => send(path, { headers: { Accept: 'application/xml, text/plain' } });
export const post = (path) => send(path, { method: 'POST', headers: { Accept: 'application/json' } });
