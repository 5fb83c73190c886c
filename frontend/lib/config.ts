/**
 * Where the gateway is. Empty (the default) means the same origin, which is how the
 * gateway serves the static export; `npm run dev` sets it to the dev gateway's address.
 */
export const API_BASE: string = (process.env.NEXT_PUBLIC_API_BASE ?? '').replace(/\/+$/, '');

/** The gateway's API root. */
export const API_ROOT = `${API_BASE}/api/v1/gateway`;
