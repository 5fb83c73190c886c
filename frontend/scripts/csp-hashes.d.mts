// Types for the build script, so the tests can import it.
export function inlineScripts(html: string): string[];
export function cspHash(text: string): string;
export function collectHashes(dir: string): Promise<string[]>;
export function writeHashes(dir: string): Promise<string[]>;
