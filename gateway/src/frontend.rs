//! The browser app: the static export of `frontend/` (`npm run build` writes `out/`),
//! served from the same origin as the API so that the app needs no CORS and its
//! Content-Security-Policy can say `connect-src 'self'`.
//!
//! Paths that name a file get that file; any other path gets `index.html`, so that a
//! client route reloads. Next.js puts content-hashed assets under `/_next/static/`: they
//! are cached for a year, everything else is revalidated on every load. A missing asset
//! under `/_next/` is a 404, not the app's HTML.

use std::path::{Path, PathBuf};

use anyhow::Context;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

/// The file `frontend/scripts/csp-hashes.mjs` writes next to the pages: the hash of
/// every inline script of the export (Next.js inlines its bootstrap), one per line.
const CSP_HASHES: &str = "csp-hashes.txt";
/// Where Next.js puts content-hashed assets.
const IMMUTABLE_PREFIX: &str = "/_next/static/";

/// A built app, ready to serve.
#[derive(Debug, Clone)]
pub struct Frontend {
    dir: PathBuf,
    csp: HeaderValue,
}

impl Frontend {
    /// The export in `dir`; fails when it has no `index.html` or no script hashes (the
    /// app was not built, or not by `npm run build`).
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let index = dir.join("index.html");
        anyhow::ensure!(
            index.is_file(),
            "{} is missing: build the app with `npm run build` in frontend/",
            index.display()
        );
        let hashes_file = dir.join(CSP_HASHES);
        let hashes = std::fs::read_to_string(&hashes_file)
            .with_context(|| format!("reading {} (written by `npm run build`)", hashes_file.display()))?;
        let csp = HeaderValue::from_str(&policy(&hashes)).context("the script hashes are not a header value")?;
        Ok(Self {
            dir: dir.to_owned(),
            csp,
        })
    }

    /// The router that serves the app, meant as the gateway's fallback.
    pub fn router(self) -> Router {
        let index = ServeFile::new(self.dir.join("index.html"));
        let assets = ServeDir::new(self.dir.join("_next"));
        let pages = ServeDir::new(&self.dir).fallback(index);
        Router::new()
            .nest_service("/_next", assets)
            .fallback_service(pages)
            .layer(middleware::from_fn_with_state(self, headers))
    }
}

/// The Content-Security-Policy of the app: scripts only from this origin or inline with
/// one of `hashes`; no `eval` (charts use vega-interpreter). Styles allow inline because
/// Vega's SVG renderer and React write `style` attributes; no script can come of that.
fn policy(hashes: &str) -> String {
    let hashes: Vec<&str> = hashes
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("'sha256-") && line.ends_with('\''))
        .collect();
    let mut script_src = vec!["'self'"];
    script_src.extend(hashes);
    [
        "default-src 'self'".to_owned(),
        format!("script-src {}", script_src.join(" ")),
        "style-src 'self' 'unsafe-inline'".to_owned(),
        "img-src 'self' data: blob:".to_owned(),
        "font-src 'self'".to_owned(),
        "connect-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'none'".to_owned(),
        "form-action 'self'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ")
}

/// Caching and security headers of every response of the app.
async fn headers(State(frontend): State<Frontend>, request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with(IMMUTABLE_PREFIX);
    let mut response = next.run(request).await;
    let cache = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(CONTENT_SECURITY_POLICY, frontend.csp);
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_only_well_formed_hashes() {
        let policy = policy("'sha256-abc='\n\n  'sha256-def=' \nnot-a-hash\n'unsafe-inline'\n'unsafe-eval'\n");
        let script_src = policy
            .split("; ")
            .find(|directive| directive.starts_with("script-src "))
            .expect("a script-src");
        assert_eq!(script_src, "script-src 'self' 'sha256-abc=' 'sha256-def='");
        assert!(!policy.contains("unsafe-eval"), "{policy}");
        assert!(policy.contains("default-src 'self'"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
    }

    #[test]
    fn loading_an_unbuilt_app_says_how_to_build_it() {
        let temp = tempfile::tempdir().expect("dir");
        let dir = temp.path();
        let error = Frontend::load(dir).expect_err("no index.html").to_string();
        assert!(error.contains("npm run build"), "{error}");
        std::fs::write(dir.join("index.html"), "<!doctype html>").expect("index");
        let error = format!("{:#}", Frontend::load(dir).expect_err("no hashes"));
        assert!(error.contains(CSP_HASHES), "{error}");
        std::fs::write(dir.join(CSP_HASHES), "'sha256-x='\n").expect("hashes");
        assert!(Frontend::load(dir).is_ok());
    }
}
