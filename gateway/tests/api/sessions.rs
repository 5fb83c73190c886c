//! `/sessions*` end to end: every success and error, isolation between users, and the
//! Redis cache of the active session going away and coming back.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sextant_common::testing::Mode;

use crate::harness::{TestApp, assert_error};

impl TestApp {
    pub async fn create_session(&self, token: &str, title: &str) -> reqwest::Response {
        self.client
            .post(self.api("/sessions"))
            .bearer_auth(token)
            .json(&json!({ "title": title }))
            .send()
            .await
            .expect("send")
    }

    pub async fn sessions(&self, token: &str) -> Vec<Value> {
        let response = self
            .client
            .get(self.api("/sessions"))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("sessions json")
    }

    pub async fn active_session(&self, token: &str) -> reqwest::Response {
        self.client
            .get(self.api("/sessions/active"))
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }

    pub async fn activate_session(&self, token: &str, title: &str) -> reqwest::Response {
        let url = self.api(&format!("/sessions/active/{}", urlencode(title)));
        self.client.post(url).bearer_auth(token).send().await.expect("send")
    }

    pub async fn delete_session(&self, token: &str, title: &str) -> reqwest::Response {
        let url = self.api(&format!("/sessions/{}", urlencode(title)));
        self.client.delete(url).bearer_auth(token).send().await.expect("send")
    }

    pub async fn update_session(&self, token: &str, title: &str, body: Value) -> reqwest::Response {
        let url = self.api(&format!("/sessions/{}", urlencode(title)));
        self.client
            .patch(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("send")
    }

    pub async fn user_id(&self, token: &str) -> String {
        let me: Value = self.me(token).await.json().await.expect("me json");
        me["id"].as_str().expect("id").to_owned()
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn titles(sessions: &[Value]) -> Vec<&str> {
    sessions
        .iter()
        .map(|session| session["title"].as_str().expect("title"))
        .collect()
}

#[tokio::test]
async fn create_list_activate_and_delete_sessions() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("sessions@example.com").await;
    let user_id = app.user_id(&token).await;

    assert_error(
        app.active_session(&token).await,
        StatusCode::NOT_FOUND,
        "no_active_session",
    )
    .await;

    let response = app.create_session(&token, "  Q1 revenue ").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let first: Value = response.json().await.expect("session json");
    assert_eq!(first["title"], "Q1 revenue");
    assert_eq!(first["active"], true);
    assert_eq!(first["user_id"], user_id.as_str());
    assert!(
        first["created_at"].is_string() && first["updated_at"].is_string(),
        "{first}"
    );

    // Trailing slash works too; the new session is the only active one.
    let second = app
        .client
        .post(app.api("/sessions/"))
        .bearer_auth(&token)
        .json(&json!({ "title": "Q2 costs" }))
        .send()
        .await
        .expect("send");
    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.expect("json");
    let listed = app.sessions(&token).await;
    assert_eq!(titles(&listed), ["Q2 costs", "Q1 revenue"], "newest first");
    assert_eq!(listed.iter().filter(|session| session["active"] == true).count(), 1);
    let slash: Vec<Value> = app
        .client
        .get(app.api("/sessions/"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(slash, listed);
    let active: Value = app.active_session(&token).await.json().await.expect("json");
    assert_eq!(active, second["id"], "the active session id as a JSON string");

    let response = app.activate_session(&token, "Q1 revenue").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("Q1 revenue")),
        "{body}"
    );
    let active: Value = app.active_session(&token).await.json().await.expect("json");
    assert_eq!(active, first["id"]);

    assert_error(
        app.delete_session(&token, "Q1 revenue").await,
        StatusCode::CONFLICT,
        "session_active",
    )
    .await;
    let response = app.delete_session(&token, "Q2 costs").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(titles(&app.sessions(&token).await), ["Q1 revenue"]);
}

#[tokio::test]
async fn session_errors_have_the_right_status() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("session-errors@example.com").await;
    assert_eq!(app.create_session(&token, "Sales").await.status(), StatusCode::CREATED);

    assert_error(
        app.create_session(&token, " Sales ").await,
        StatusCode::CONFLICT,
        "duplicate_title",
    )
    .await;
    for title in ["", "   ", &"x".repeat(201)] {
        let body = assert_error(
            app.create_session(&token, title).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_title",
        )
        .await;
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|detail| detail.starts_with("title")),
            "{body}"
        );
    }
    assert_eq!(
        app.create_session(&token, &"é".repeat(200)).await.status(),
        StatusCode::CREATED,
        "200 characters is fine"
    );
    let missing = app
        .client
        .post(app.api("/sessions"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert_error(
        app.activate_session(&token, "Nope").await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    assert_error(
        app.delete_session(&token, "Nope").await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    assert_eq!(app.sessions(&token).await.len(), 2, "nothing was half-written");
}

#[tokio::test]
async fn sample_rows_are_off_until_the_owner_allows_them_for_one_session() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("samples@example.com").await;
    assert_eq!(app.create_session(&token, "Other").await.status(), StatusCode::CREATED);
    assert_eq!(app.create_session(&token, "Sales").await.status(), StatusCode::CREATED);
    let listed = app.sessions(&token).await;
    assert!(
        listed.iter().all(|session| session["allow_sample_rows"] == false),
        "{listed:?}"
    );

    for (title, allow) in [("Sales", true), ("Other", true), ("Other", false)] {
        let response = app
            .update_session(&token, title, json!({ "allow_sample_rows": allow }))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{title}");
        let session: Value = response.json().await.expect("json");
        assert_eq!(session["title"], title);
        assert_eq!(session["allow_sample_rows"], allow, "{session}");
    }
    let allowed: Vec<(Value, Value)> = app
        .sessions(&token)
        .await
        .iter()
        .map(|session| (session["title"].clone(), session["allow_sample_rows"].clone()))
        .collect();
    assert_eq!(allowed, [(json!("Sales"), json!(true)), (json!("Other"), json!(false))]);
    let unchanged = app.update_session(&token, "Sales", json!({})).await;
    assert_eq!(unchanged.status(), StatusCode::OK, "an empty change is no change");
    let unchanged: Value = unchanged.json().await.expect("json");
    assert_eq!(unchanged["allow_sample_rows"], true);

    assert_error(
        app.update_session(&token, "Nope", json!({ "allow_sample_rows": true }))
            .await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    for refused in [json!({ "allow_samples": true }), json!({ "allow_sample_rows": "yes" })] {
        assert_error(
            app.update_session(&token, "Other", refused).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        )
        .await;
    }
    let other = app.sessions(&token).await;
    assert_eq!(other[1]["allow_sample_rows"], false, "a refused change changed nothing");
}

#[tokio::test]
async fn another_user_sees_none_of_my_sessions_and_cannot_touch_them() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in("alice@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    assert_eq!(
        app.create_session(&alice, "Secret plan").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.create_session(&alice, "Old plan").await.status(),
        StatusCode::CREATED
    );
    let before = app.sessions(&alice).await;

    assert!(app.sessions(&bob).await.is_empty());
    assert_error(
        app.active_session(&bob).await,
        StatusCode::NOT_FOUND,
        "no_active_session",
    )
    .await;
    assert_error(
        app.activate_session(&bob, "Secret plan").await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    assert_error(
        app.delete_session(&bob, "Secret plan").await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    assert_error(
        app.update_session(&bob, "Secret plan", json!({ "allow_sample_rows": true }))
            .await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    // Bob may use the same title for his own session.
    assert_eq!(
        app.create_session(&bob, "Secret plan").await.status(),
        StatusCode::CREATED
    );

    assert_eq!(app.sessions(&alice).await, before, "Alice's sessions are unchanged");
}

#[tokio::test]
async fn sessions_are_served_from_postgres_while_redis_is_away_and_cached_again_after() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("cache@example.com").await;
    let user_id = app.user_id(&token).await;
    let first: Value = app.create_session(&token, "First").await.json().await.expect("json");
    let key = format!("{}session:active:user:{user_id}", app.redis_prefix);
    let mut redis = redis::Client::open(sextant_common::testing::redis_url())
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let cached: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut redis).await.expect("GET");
    assert!(
        cached.is_some_and(|json| json.contains(first["id"].as_str().expect("id"))),
        "written through on create"
    );

    app.redis.set(Mode::Closed).await;
    let active: Value = app.active_session(&token).await.json().await.expect("json");
    assert_eq!(active, first["id"]);
    let second: Value = app
        .create_session(&token, "Second")
        .await
        .json()
        .await
        .expect("created while Redis is away");
    let active: Value = app.active_session(&token).await.json().await.expect("json");
    assert_eq!(active, second["id"]);
    assert_eq!(app.sessions(&token).await.len(), 2);

    app.redis.set(Mode::Forward).await;
    // The entry from before the outage names the first session; it must never be served.
    let active: Value = app.active_session(&token).await.json().await.expect("json");
    assert_eq!(active, second["id"]);
    crate::harness::eventually("the cache to hold the new active session", || async {
        let _ = app.active_session(&token).await;
        let mut redis = redis.clone();
        let cached: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut redis).await.ok()?;
        cached
            .filter(|json| json.contains(second["id"].as_str().expect("id")))
            .map(drop)
    })
    .await;
}

#[tokio::test]
async fn deleting_a_session_waits_for_file_service_to_forget_it() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("cascade@example.com").await;
    assert_eq!(app.create_session(&token, "Doomed").await.status(), StatusCode::CREATED);
    assert_eq!(app.create_session(&token, "Keeper").await.status(), StatusCode::CREATED);

    app.file_backend.set(Mode::Closed).await;
    assert_error(
        app.delete_session(&token, "Doomed").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    assert_eq!(
        app.sessions(&token).await.len(),
        2,
        "the session stays while its data cannot be forgotten"
    );

    app.file_backend.set(Mode::Forward).await;
    assert_eq!(app.delete_session(&token, "Doomed").await.status(), StatusCode::OK);
    assert_eq!(titles(&app.sessions(&token).await), ["Keeper"]);
}

#[tokio::test]
async fn session_routes_need_a_token() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        (Method::GET, "/sessions"),
        (Method::POST, "/sessions/"),
        (Method::GET, "/sessions/active"),
        (Method::DELETE, "/sessions/x"),
        (Method::PATCH, "/sessions/x"),
    ] {
        let response = app.client.request(method, app.api(path)).send().await.expect("send");
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
}
