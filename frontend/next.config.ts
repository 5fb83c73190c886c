import type { NextConfig } from 'next';

// A static export: the Rust gateway serves `out/` from the same origin as the API, so the
// app needs no server of its own and its CSP can say `connect-src 'self'`.
const nextConfig: NextConfig = {
  output: 'export',
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
  // `next dev` would otherwise write (and keep rewriting) an AGENTS.md into this folder.
  agentRules: false,
  experimental: { agentUpgrade: false },
};

export default nextConfig;
