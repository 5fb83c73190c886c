//! Sign-up, sign-in and the current account, end to end.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp, assert_error};

#[tokio::test]
async fn register_then_login_with_json_and_form_then_me() {
    let app = TestApp::spawn().await;

    let response = app.register("Ada@Example.COM", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.expect("user json");
    assert_eq!(user["email"], "Ada@example.com");
    let id = user["id"].as_str().expect("id");
    assert!(
        user["created_at"].as_str().is_some_and(|at| at.ends_with('Z')),
        "{user}"
    );

    for response in [
        app.login_json("ada@example.com", PASSWORD).await,
        app.login_form("ADA@EXAMPLE.COM", PASSWORD).await,
    ] {
        assert_eq!(response.status(), StatusCode::OK);
        let token: Value = response.json().await.expect("token json");
        assert_eq!(token["token_type"], "bearer");
        assert_eq!(token["expires_in"], 3600);
        let access_token = token["access_token"].as_str().expect("access_token");

        let me = app.me(access_token).await;
        assert_eq!(me.status(), StatusCode::OK);
        let me: Value = me.json().await.expect("me json");
        assert_eq!(me["id"], id);
        assert_eq!(me["email"], "Ada@example.com");
        assert_eq!(me["created_at"], user["created_at"]);
    }
}

#[tokio::test]
async fn duplicate_email_in_another_letter_case_is_a_conflict() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register("grace@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    let body = assert_error(
        app.register("  GRACE@example.com ", PASSWORD).await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
    assert!(
        body["detail"].as_str().is_some_and(|detail| detail.contains("email")),
        "{body}"
    );
    // The first account is untouched: its password still works.
    assert_eq!(
        app.login_json("grace@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_email_and_short_password_are_422_naming_the_field() {
    let app = TestApp::spawn().await;

    for email in ["not-an-email", "a@b", "", "x@example.com\u{0}"] {
        let body = assert_error(
            app.register(email, PASSWORD).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
        )
        .await;
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|detail| detail.starts_with("email")),
            "{body}"
        );
    }
    let body = assert_error(
        app.register("linus@example.com", "seven77").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_password",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.starts_with("password")),
        "{body}"
    );

    // Nothing was written: the email is still free.
    assert_eq!(
        app.register("linus@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn missing_fields_are_422_and_malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let url = app.api("/auth/register");

    let missing = app
        .client
        .post(&url)
        .json(&serde_json::json!({ "email": "a@example.com" }))
        .send()
        .await
        .expect("send");
    let body = assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("password")),
        "{body}"
    );

    let malformed = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .expect("send");
    assert_error(malformed, StatusCode::BAD_REQUEST, "bad_request").await;

    let not_json = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("send");
    assert_error(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

    let too_large = app
        .client
        .post(&url)
        .json(&serde_json::json!({ "email": "a@example.com", "password": "x".repeat(100 * 1024) }))
        .send()
        .await
        .expect("send");
    assert_error(too_large, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let form_without_password = app
        .client
        .post(app.api("/auth/login"))
        .form(&[("username", "a@example.com")])
        .send()
        .await
        .expect("send");
    assert_error(form_without_password, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register("alan@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    let wrong_password = assert_error(
        app.login_json("alan@example.com", "not the password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown_email = assert_error(
        app.login_form("nobody@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let malformed_email = assert_error(
        app.login_json("not-an-email", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;

    let without_request_id = |mut body: Value| {
        body.as_object_mut().expect("object").remove("request_id");
        body
    };
    assert_eq!(
        without_request_id(wrong_password.clone()),
        without_request_id(unknown_email)
    );
    assert_eq!(without_request_id(wrong_password), without_request_id(malformed_email));
}

#[tokio::test]
async fn concurrent_logins_do_not_stall_other_requests() {
    // One hash at a time, so twelve logins queue for a while.
    let app = TestApp::spawn_with(|config| config.max_concurrent_hashes = Some(1)).await;
    assert_eq!(
        app.register("storm@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    let logins = futures::future::join_all((0..12).map(|_| app.login_json("storm@example.com", PASSWORD)));
    let probes = async {
        let mut answered = 0;
        for _ in 0..5 {
            let response = app
                .client
                .get(format!("{}/healthz", app.root))
                .send()
                .await
                .expect("healthz");
            assert_eq!(response.status(), StatusCode::OK);
            answered += 1;
        }
        answered
    };
    tokio::pin!(logins);
    // The probes must all finish while the logins are still queued.
    let answered = tokio::select! {
        biased;
        answered = probes => answered,
        _ = &mut logins => panic!("every login finished before five /healthz calls did"),
    };
    assert_eq!(answered, 5);
    for response in logins.await {
        assert_eq!(response.status(), StatusCode::OK);
    }
}
