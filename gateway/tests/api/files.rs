//! `/files*` end to end: streamed uploads, profiles, previews, the active file, deletion,
//! every error, isolation between users, and uploads that break off half-way.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::harness::{TestApp, UPLOAD_LIMIT_BYTES, assert_error, eventually};

const SALES_CSV: &str = "region,amount,day\nNorth,10.5,2023-01-05\nSouth,,2023-02-11\nNorth,4.5,2023-03-20\n";

impl TestApp {
    pub async fn upload(&self, token: &str, file_name: &str, bytes: impl Into<Vec<u8>>) -> reqwest::Response {
        let form = Form::new()
            .text("file_name", file_name.to_owned())
            .text("description", format!("about {file_name}"))
            .part("file", Part::bytes(bytes.into()).file_name(file_name.to_owned()));
        self.client
            .post(self.api("/files"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("send")
    }

    pub async fn files(&self, token: &str) -> Vec<Value> {
        let response = self
            .client
            .get(self.api("/files"))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("files json")
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.api(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }

    /// Every file under file-service's storage root (temporary files included).
    pub fn stored_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found)
                } else {
                    found.push(path)
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.storage_dir, &mut found);
        found
    }

    /// A signed-in user with an active session.
    pub async fn user_with_session(&self, email: &str) -> String {
        let token = self.signed_in(email).await;
        assert_eq!(
            self.create_session(&token, "Analysis").await.status(),
            StatusCode::CREATED
        );
        token
    }
}

fn names(files: &[Value]) -> Vec<&str> {
    files
        .iter()
        .map(|file| file["file_name"].as_str().expect("file_name"))
        .collect()
}

#[tokio::test]
async fn upload_then_list_profile_preview_and_activate() {
    let app = TestApp::spawn().await;
    let token = app.user_with_session("files@example.com").await;

    let response = app.upload(&token, "sales.csv", SALES_CSV).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let file: Value = response.json().await.expect("file json");
    assert_eq!(file["file_name"], "sales.csv");
    assert_eq!(file["description"], "about sales.csv");
    assert_eq!(file["format"], "csv");
    assert_eq!(file["size_bytes"], SALES_CSV.len());
    assert_eq!((file["rows"].as_u64(), file["columns"].as_u64()), (Some(3), Some(3)));
    let summary = file["summary"].as_str().expect("summary");
    assert!(
        summary.starts_with("The dataset has **3 rows** and **3 columns**.\nIt contains the following features:"),
        "{summary}"
    );
    assert!(summary.contains("- **region**: `"), "{summary}");

    assert_eq!(names(&app.files(&token).await), ["sales.csv"]);
    let slash: Vec<Value> = app.get(&token, "/files/").await.json().await.expect("json");
    assert_eq!(names(&slash), ["sales.csv"]);
    let active: Value = app.get(&token, "/files/active").await.json().await.expect("json");
    assert_eq!(active["file_name"], "sales.csv", "an upload becomes the active file");

    let profile: Value = app
        .get(&token, "/files/sales.csv/profile")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (profile["rows"].as_u64(), profile["columns"].as_u64()),
        (Some(3), Some(3))
    );
    let amount = profile["column_profiles"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == "amount")
        .expect("amount");
    assert_eq!(amount["null_count"], 1);
    assert_eq!(
        amount["missing_markers"],
        json!([{ "marker": "", "count": 1 }]),
        "the empty field"
    );
    assert_eq!(amount["numeric"]["min"], 4.5);
    assert_eq!(amount["numeric"]["max"], 10.5);
    assert_eq!(amount["numeric"]["mean"], 7.5);
    let day = profile["column_profiles"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == "day")
        .expect("day");
    assert!(
        day["date_range"]["min"]
            .as_str()
            .is_some_and(|min| min.starts_with("2023-01-05")),
        "{day}"
    );
    assert!(
        day["date_range"]["max"]
            .as_str()
            .is_some_and(|max| max.starts_with("2023-03-20")),
        "{day}"
    );

    let preview: Value = app
        .get(&token, "/files/sales.csv/preview?limit=2")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(preview["columns"], json!(["region", "amount", "day"]));
    let rows = preview["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "North");
    assert_eq!(rows[1][1], Value::Null);
    let default: Value = app
        .get(&token, "/files/sales.csv/preview")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(default["rows"].as_array().map(Vec::len), Some(3));
    assert_error(
        app.get(&token, "/files/sales.csv/preview?limit=1001").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    )
    .await;
    assert_error(
        app.get(&token, "/files/sales.csv/preview?limit=many").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;

    // A second upload takes over as active; the first can be made active again.
    assert_eq!(
        app.upload(&token, "more.csv", "a;b\n1;2\n").await.status(),
        StatusCode::CREATED
    );
    let response = app
        .client
        .post(app.api("/files/active"))
        .bearer_auth(&token)
        .json(&json!({ "file_name": "sales.csv" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let active: Value = app.get(&token, "/files/active").await.json().await.expect("json");
    assert_eq!(active["file_name"], "sales.csv");
}

#[tokio::test]
async fn bad_uploads_get_clear_errors_and_leave_nothing_behind() {
    let app = TestApp::spawn().await;
    let token = app.user_with_session("bad-uploads@example.com").await;
    assert_eq!(
        app.upload(&token, "good.csv", SALES_CSV).await.status(),
        StatusCode::CREATED
    );
    let stored = app.stored_files();
    assert_eq!(stored.len(), 1, "{stored:?}");

    let duplicate = app.upload(&token, "good.csv", "x,y\n1,2\n").await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    assert_error(
        app.upload(&token, "notes.txt", "just some words").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_format",
    )
    .await;
    let body = assert_error(
        app.upload(&token, "broken.parquet", b"PAR1 this is not parquet".to_vec())
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unreadable_dataset",
    )
    .await;
    assert!(
        body["detail"].as_str().is_some_and(|detail| detail.len() > 10),
        "the parser's reason: {body}"
    );
    assert_error(
        app.upload(&token, "empty.csv", Vec::new()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unreadable_dataset",
    )
    .await;
    let too_big = vec![b'1'; usize::try_from(UPLOAD_LIMIT_BYTES).expect("small") + 1];
    assert_error(
        app.upload(&token, "big.csv", too_big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    for name in [
        "../escape.csv",
        "/etc/passwd.csv",
        "dir/file.csv",
        &format!("{}.csv", "n".repeat(10_000)),
    ] {
        let response = app.upload(&token, name, SALES_CSV).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
    }
    // A NUL inside a multipart header is already a malformed request for the gateway.
    assert_eq!(
        app.upload(&token, "a\u{0}b.csv", SALES_CSV).await.status(),
        StatusCode::BAD_REQUEST
    );
    let no_file = app
        .client
        .post(app.api("/files"))
        .bearer_auth(&token)
        .multipart(Form::new().text("file_name", "x.csv"))
        .send()
        .await
        .expect("send");
    assert_error(no_file, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    let not_multipart = app
        .client
        .post(app.api("/files"))
        .bearer_auth(&token)
        .json(&json!({ "file_name": "x.csv" }))
        .send()
        .await
        .expect("send");
    assert_eq!(not_multipart.status(), StatusCode::BAD_REQUEST);

    assert_eq!(names(&app.files(&token).await), ["good.csv"]);
    assert_eq!(app.stored_files(), stored, "no bytes were left behind");
    let active: Value = app.get(&token, "/files/active").await.json().await.expect("json");
    assert_eq!(
        active["file_name"], "good.csv",
        "failed uploads do not change the active file"
    );
}

#[tokio::test]
async fn an_upload_cut_off_half_way_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let token = app.user_with_session("cut-off@example.com").await;

    // A multipart body announced at 1.2 MB of which half is sent before the connection drops.
    let boundary = "sextant-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\ncut.csv\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.csv\"\r\n\r\na,b\n"
    );
    let rows = "1,2\n".repeat(150_000); // 600 KB: more than the gateway buffers before forwarding
    let addr = app.root.trim_start_matches("http://").to_owned();
    let request = format!(
        "POST /api/v1/gateway/files HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{head}",
        head.len() + rows.len() * 2
    );
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("headers");
    stream.write_all(rows.as_bytes()).await.expect("first half");
    stream.flush().await.expect("flush");
    // Cut the connection once file-service has started writing the upload to disk.
    eventually("the upload to reach file-service's disk", || async {
        (!app.stored_files().is_empty()).then_some(())
    })
    .await;
    drop(stream);

    eventually("the broken upload to be cleaned up", || async {
        app.stored_files().is_empty().then_some(())
    })
    .await;
    assert!(app.files(&token).await.is_empty());
    assert_eq!(app.get(&token, "/files/active").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_active_file_of_the_active_session_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let token = app.user_with_session("delete-files@example.com").await;
    assert_eq!(
        app.upload(&token, "first.csv", SALES_CSV).await.status(),
        StatusCode::CREATED
    );
    let delete = |name: &'static str| {
        app.client
            .delete(app.api(&format!("/files/{name}")))
            .bearer_auth(&token)
            .send()
    };

    assert_eq!(delete("first.csv").await.expect("send").status(), StatusCode::CONFLICT);
    assert_eq!(
        app.upload(&token, "second.csv", SALES_CSV).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(app.stored_files().len(), 2);
    assert_eq!(delete("first.csv").await.expect("send").status(), StatusCode::OK);
    assert_eq!(names(&app.files(&token).await), ["second.csv"]);
    assert_eq!(app.stored_files().len(), 1, "the stored bytes went too");
    assert_eq!(delete("first.csv").await.expect("send").status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&token, "/files/first.csv/profile").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn another_user_gets_404_for_my_files_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.user_with_session("alice-files@example.com").await;
    let bob = app.user_with_session("bob-files@example.com").await;
    assert_eq!(
        app.upload(&alice, "private.csv", SALES_CSV).await.status(),
        StatusCode::CREATED
    );
    let before = app.files(&alice).await;

    assert!(app.files(&bob).await.is_empty());
    for path in [
        "/files/private.csv/profile",
        "/files/private.csv/preview",
        "/files/active",
    ] {
        assert_eq!(app.get(&bob, path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let delete = app
        .client
        .delete(app.api("/files/private.csv"))
        .bearer_auth(&bob)
        .send()
        .await
        .expect("send");
    assert_eq!(delete.status(), StatusCode::NOT_FOUND);
    let activate = app
        .client
        .post(app.api("/files/active"))
        .bearer_auth(&bob)
        .json(&json!({ "file_name": "private.csv" }))
        .send()
        .await
        .expect("send");
    assert_eq!(activate.status(), StatusCode::NOT_FOUND);
    // Bob may upload a file of the same name: names are per user.
    assert_eq!(
        app.upload(&bob, "private.csv", "x\n1\n").await.status(),
        StatusCode::CREATED
    );

    assert_eq!(app.files(&alice).await, before);
    let active: Value = app.get(&alice, "/files/active").await.json().await.expect("json");
    assert_eq!(active["file_name"], "private.csv");
    let profile: Value = app
        .get(&alice, "/files/private.csv/profile")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(profile["rows"], 3, "Alice's file is still hers");
}

#[tokio::test]
async fn the_session_list_names_each_sessions_active_file() {
    let app = TestApp::spawn().await;
    let token = app.user_with_session("active-names@example.com").await;
    assert_eq!(
        app.upload(&token, "sales.csv", SALES_CSV).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(app.create_session(&token, "Empty").await.status(), StatusCode::CREATED);
    let other = app.signed_in("active-names-other@example.com").await;
    assert_eq!(
        app.create_session(&other, "Analysis").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.upload(&other, "theirs.csv", SALES_CSV).await.status(),
        StatusCode::CREATED
    );

    let active_files: Vec<(String, Value)> = app
        .sessions(&token)
        .await
        .into_iter()
        .map(|session| {
            (
                session["title"].as_str().expect("title").to_owned(),
                session["active_file"].clone(),
            )
        })
        .collect();
    assert_eq!(
        active_files,
        [
            ("Empty".to_owned(), Value::Null),
            ("Analysis".to_owned(), json!("sales.csv")),
        ]
    );
}
