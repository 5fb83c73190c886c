//! The browser app served by the gateway from a static export: pages, client routes,
//! cache headers, the Content-Security-Policy, and the API still answering JSON beside it.
//! The app needs no backend, so only the gateway runs here (its channels are lazy).

use std::path::Path;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};

use crate::harness::assert_error;

const INDEX: &str = "<!doctype html><title>Sextant</title><p>the app</p>";
const SIGNIN: &str = "<!doctype html><title>Sign in</title>";
const SCRIPT: &str = "console.log('hashed asset')";

fn write(root: &Path, path: &str, contents: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(path, contents).expect("write");
}

/// A gateway serving a small export; the export's directory lives as long as the guard.
async fn gateway_with_app() -> (String, tempfile::TempDir) {
    let export = tempfile::tempdir().expect("dir");
    write(export.path(), "index.html", INDEX);
    write(export.path(), "signin/index.html", SIGNIN);
    write(export.path(), "_next/static/chunks/app-0123abcd.js", SCRIPT);
    write(export.path(), "csp-hashes.txt", "'sha256-AAAA'\n'sha256-BBBB'\n");
    let unused = "http://127.0.0.1:9".to_owned();
    let gateway = gateway::Application::build(gateway::Config {
        listen_addr: "127.0.0.1:0".parse().expect("addr"),
        auth_url: unused.clone(),
        session_url: unused.clone(),
        file_url: unused.clone(),
        agent_url: unused,
        jwt_issuer: "sextant-auth".into(),
        jwt_audience: "sextant".into(),
        cors_origins: vec![],
        backend_timeout_ms: 1_000,
        ready_timeout_ms: 200,
        body_limit_bytes: 64 * 1024,
        upload_limit_bytes: 1024,
        upload_timeout_secs: 5,
        frontend_dir: Some(export.path().to_owned()),
    })
    .await
    .expect("build gateway");
    let root = format!("http://{}", gateway.local_addr());
    tokio::spawn(gateway.run_until_stopped(std::future::pending()));
    (root, export)
}

async fn get(url: String) -> reqwest::Response {
    reqwest::get(url).await.expect("send")
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .expect("ascii")
}

#[tokio::test]
async fn the_app_is_served_at_the_root_with_its_policy_and_client_routes_fall_back_to_it() {
    let (root, _export) = gateway_with_app().await;

    let index = get(format!("{root}/")).await;
    assert_eq!(index.status(), StatusCode::OK);
    assert!(header(&index, CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&index, CACHE_CONTROL), "no-cache");
    let policy = header(&index, CONTENT_SECURITY_POLICY).to_owned();
    assert!(
        policy.contains("script-src 'self' 'sha256-AAAA' 'sha256-BBBB';"),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(index.text().await.expect("body"), INDEX);

    let signin = get(format!("{root}/signin/")).await;
    assert_eq!(signin.status(), StatusCode::OK);
    assert_eq!(signin.text().await.expect("body"), SIGNIN);

    let client_route = get(format!("{root}/sessions/some-client-route")).await;
    assert_eq!(client_route.status(), StatusCode::OK);
    assert_eq!(client_route.text().await.expect("body"), INDEX);
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_a_missing_one_is_a_404() {
    let (root, _export) = gateway_with_app().await;

    let asset = get(format!("{root}/_next/static/chunks/app-0123abcd.js")).await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(header(&asset, CACHE_CONTROL), "public, max-age=31536000, immutable");
    assert!(header(&asset, CONTENT_TYPE).contains("javascript"));
    assert_eq!(asset.text().await.expect("body"), SCRIPT);

    let missing = get(format!("{root}/_next/static/chunks/gone.js")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header(&missing, CACHE_CONTROL),
        "no-cache",
        "a 404 is not cached for a year"
    );

    for escape in [
        "/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/_next/..%2f..%2f..%2f..%2fetc%2fpasswd",
    ] {
        let body = get(format!("{root}{escape}")).await.text().await.expect("body");
        assert!(!body.contains("root:"), "{escape} left the export");
    }
}

#[tokio::test]
async fn the_api_keeps_its_json_errors_beside_the_app() {
    let (root, _export) = gateway_with_app().await;
    assert_error(
        get(format!("{root}/api/v1/gateway/nope")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        get(format!("{root}/api/v1/gateway/sessions")).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(get(format!("{root}/healthz")).await.status(), StatusCode::OK);
}
