//! Listing, profiles, previews, deletion, the active file of each session, the agent's
//! `ResolveDataset`, session-service's `ForgetSession`, and isolation between users.

use prost_types::value::Kind;
use tonic::Code;

use crate::harness::{TestApp, assert_status};

const SALES: &str = "region,amount\nNorth,10\nSouth,20\nEast,30\n";

fn cells(row: &prost_types::ListValue) -> Vec<Kind> {
    row.values.iter().filter_map(|value| value.kind.clone()).collect()
}

#[tokio::test]
async fn files_are_listed_newest_first() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("list@example.com").await;
    assert!(app.list(&token).await.is_empty());
    for name in ["first.csv", "second.csv", "third.csv"] {
        app.upload(&token, name, SALES).await.expect("upload");
    }
    let names: Vec<String> = app.list(&token).await.into_iter().map(|file| file.file_name).collect();
    assert_eq!(names, ["third.csv", "second.csv", "first.csv"]);
}

#[tokio::test]
async fn a_profile_is_returned_by_name_and_a_missing_file_is_not_found() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("profile@example.com").await;
    let file = app.upload(&token, "sales.csv", SALES).await.expect("upload");
    let response = app.profile(&token, "sales.csv").await.expect("profile");
    assert_eq!(response.file, Some(file));
    let profile = response.profile.expect("profile");
    assert_eq!((profile.rows, profile.columns, profile.sample_rows.len()), (3, 2, 3));
    assert_status(
        app.profile(&token, "missing.csv").await,
        Code::NotFound,
        Some("file_not_found"),
    );
}

#[tokio::test]
async fn a_preview_shows_the_first_rows_up_to_a_thousand() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("preview@example.com").await;
    let csv: String = std::iter::once("n,half\n".to_owned())
        .chain((1..=1500).map(|n| format!("{n},{}\n", if n % 2 == 0 { (n / 2).to_string() } else { String::new() })))
        .collect();
    app.upload(&token, "numbers.csv", &csv).await.expect("upload");

    let preview = app.preview(&token, "numbers.csv", 2).await.expect("preview");
    assert_eq!(preview.columns, ["n", "half"]);
    assert_eq!(preview.rows.len(), 2);
    assert_eq!(cells(&preview.rows[0]), [Kind::NumberValue(1.0), Kind::NullValue(0)]);
    assert_eq!(
        cells(&preview.rows[1]),
        [Kind::NumberValue(2.0), Kind::NumberValue(1.0)]
    );
    assert_eq!(
        app.preview(&token, "numbers.csv", 0).await.expect("default").rows.len(),
        20
    );
    assert_eq!(
        app.preview(&token, "numbers.csv", 1000).await.expect("max").rows.len(),
        1000
    );
    let status = assert_status(
        app.preview(&token, "numbers.csv", 1001).await,
        Code::InvalidArgument,
        Some("invalid_input"),
    );
    assert!(status.message().starts_with("limit:"), "{status:?}");
    assert_status(
        app.preview(&token, "missing.csv", 5).await,
        Code::NotFound,
        Some("file_not_found"),
    );

    let json = r#"[{"city": "Oslo", "temp": 1.5}, {"city": "Rome", "temp": null}, {"city": "Lima"}]"#;
    app.upload(&token, "cities.json", json).await.expect("upload json");
    let preview = app.preview(&token, "cities.json", 2).await.expect("json preview");
    assert_eq!(preview.columns, ["city", "temp"]);
    assert_eq!(
        cells(&preview.rows[0]),
        [Kind::StringValue("Oslo".into()), Kind::NumberValue(1.5)]
    );
    assert_eq!(
        cells(&preview.rows[1]),
        [Kind::StringValue("Rome".into()), Kind::NullValue(0)]
    );
}

#[tokio::test]
async fn the_active_file_of_the_active_session_cannot_be_deleted_but_others_can() {
    let app = TestApp::spawn().await;
    let (token, _) = app.user_with_session("delete@example.com").await;
    app.upload(&token, "first.csv", SALES).await.expect("upload");
    let status = assert_status(
        app.delete(&token, "first.csv").await,
        Code::FailedPrecondition,
        Some("file_is_active"),
    );
    assert!(status.message().contains("active"), "{status:?}");

    app.upload(&token, "second.csv", SALES).await.expect("upload");
    assert_eq!(app.stored_files().len(), 2);
    app.delete(&token, "first.csv").await.expect("no longer active");
    let names: Vec<String> = app.list(&token).await.into_iter().map(|file| file.file_name).collect();
    assert_eq!(names, ["second.csv"]);
    assert_eq!(app.stored_files().len(), 1, "its bytes went too");
    assert_status(
        app.delete(&token, "first.csv").await,
        Code::NotFound,
        Some("file_not_found"),
    );
    assert_status(app.profile(&token, "first.csv").await, Code::NotFound, None);
}

#[tokio::test]
async fn deleting_a_file_clears_it_as_the_active_file_of_other_sessions() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("sessions@example.com").await;
    let user = app.user_id(&token).await;
    let old_session = app.create_session(&token, "old").await;
    let old_file = app.upload(&token, "old.csv", SALES).await.expect("upload");
    let resolved = app.resolve(&token, &old_session).await.expect("resolve");
    assert_eq!(resolved.file, Some(old_file));
    assert!(app.cached_active_file(&user, &old_session).await.is_some());

    let new_session = app.create_session(&token, "new").await;
    assert_status(app.active_file(&token).await, Code::NotFound, Some("no_active_file"));
    app.upload(&token, "new.csv", SALES).await.expect("upload");
    app.delete(&token, "old.csv")
        .await
        .expect("active only in an inactive session");

    assert_status(
        app.resolve(&token, &old_session).await,
        Code::NotFound,
        Some("no_active_file"),
    );
    assert_eq!(app.cached_active_file(&user, &old_session).await, None);
    app.activate_session(&token, "old").await;
    assert_status(app.active_file(&token).await, Code::NotFound, Some("no_active_file"));
    assert_eq!(
        app.resolve(&token, &new_session)
            .await
            .expect("resolve")
            .file
            .expect("file")
            .file_name,
        "new.csv"
    );
}

#[tokio::test]
async fn the_active_file_is_per_session_and_can_be_switched() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("switch@example.com").await;
    assert_status(app.active_file(&token).await, Code::NotFound, Some("no_active_file"));
    app.upload(&token, "a.csv", SALES).await.expect("upload");
    let status = assert_status(
        app.set_active(&token, "a.csv").await,
        Code::FailedPrecondition,
        Some("no_active_session"),
    );
    assert!(status.message().contains("session"), "{status:?}");

    let first = app.create_session(&token, "first").await;
    assert_status(app.active_file(&token).await, Code::NotFound, Some("no_active_file"));
    let b = app.upload(&token, "b.csv", SALES).await.expect("upload");
    assert_eq!(app.active_file(&token).await.expect("active"), b);
    let a = app.set_active(&token, "a.csv").await.expect("set active");
    assert_eq!(a.file_name, "a.csv");
    assert_eq!(app.active_file(&token).await.expect("active"), a);
    assert_status(
        app.set_active(&token, "missing.csv").await,
        Code::NotFound,
        Some("file_not_found"),
    );
    assert_eq!(app.active_file(&token).await.expect("unchanged"), a);

    let second = app.create_session(&token, "second").await;
    app.set_active(&token, "b.csv").await.expect("set active");
    assert_eq!(app.resolve(&token, &first).await.expect("first").file, Some(a));
    assert_eq!(app.resolve(&token, &second).await.expect("second").file, Some(b));
}

#[tokio::test]
async fn resolve_dataset_gives_the_agent_a_location_it_can_open() {
    let app = TestApp::spawn().await;
    let (token, session) = app.user_with_session("resolve@example.com").await;
    app.upload(&token, "semi.csv", "a;b\n1;2\n").await.expect("upload");
    let resolved = app.resolve(&token, &session).await.expect("resolve");
    assert_eq!(resolved.delimiter, ";");
    let path = resolved.location.strip_prefix("file://").expect("a file URI");
    assert!(std::path::Path::new(path).starts_with(std::fs::canonicalize(&app.storage_dir).expect("root")));
    assert_eq!(std::fs::read(path).expect("readable"), b"a;b\n1;2\n");
    assert!(path.ends_with(&resolved.file_id), "{path}");

    let unknown = uuid::Uuid::new_v4().to_string();
    assert_status(
        app.resolve(&token, &unknown).await,
        Code::NotFound,
        Some("no_active_file"),
    );
    let status = assert_status(
        app.resolve(&token, "not-a-uuid").await,
        Code::InvalidArgument,
        Some("invalid_input"),
    );
    assert!(status.message().starts_with("session_id:"), "{status:?}");
}

#[tokio::test]
async fn resolve_dataset_names_the_text_columns_read_as_dates_with_their_format() {
    let app = TestApp::spawn().await;
    let (token, session) = app.user_with_session("dates@example.com").await;
    let csv = "id,ordered,note,shipped\n1,31/01/2024,a,2024-01-31 10:00:00\n2,01/02/2024,b,2024-02-01 11:30:00\n";
    app.upload(&token, "dated.csv", csv).await.expect("upload");
    let resolved = app.resolve(&token, &session).await.expect("resolve");
    let columns: Vec<(&str, &str)> = resolved
        .date_columns
        .iter()
        .map(|column| (column.name.as_str(), column.format.as_str()))
        .collect();
    assert_eq!(columns, [("ordered", "%d/%m/%Y"), ("shipped", "%Y-%m-%d %H:%M:%S")]);
}

#[tokio::test]
async fn forget_session_drops_its_active_file_and_can_be_repeated() {
    let app = TestApp::spawn().await;
    let token = app.signed_in("forget@example.com").await;
    let user = app.user_id(&token).await;
    let doomed = app.create_session(&token, "doomed").await;
    let file = app.upload(&token, "data.csv", SALES).await.expect("upload");
    let kept = app.create_session(&token, "kept").await;
    app.set_active(&token, "data.csv").await.expect("set active");

    // session-service deleting a session calls ForgetSession.
    app.delete_session(&token, "doomed").await;
    assert_status(app.resolve(&token, &doomed).await, Code::NotFound, None);
    assert_eq!(app.cached_active_file(&user, &doomed).await, None);
    assert_eq!(app.resolve(&token, &kept).await.expect("kept").file, Some(file));

    app.forget(&token, &kept).await.expect("forget");
    app.forget(&token, &kept).await.expect("forgetting twice is fine");
    assert_status(app.resolve(&token, &kept).await, Code::NotFound, None);
    assert_eq!(app.list(&token).await.len(), 1, "the file itself stays");
}

#[tokio::test]
async fn another_users_file_looks_missing_and_stays_unchanged() {
    let app = TestApp::spawn().await;
    let (alice, alice_session) = app.user_with_session("alice@example.com").await;
    let (bob, _) = app.user_with_session("bob@example.com").await;
    let file = app.upload(&alice, "secret.csv", SALES).await.expect("upload");
    let profile = app.profile(&alice, "secret.csv").await.expect("profile");

    assert!(app.list(&bob).await.is_empty());
    assert_status(
        app.profile(&bob, "secret.csv").await,
        Code::NotFound,
        Some("file_not_found"),
    );
    assert_status(
        app.preview(&bob, "secret.csv", 5).await,
        Code::NotFound,
        Some("file_not_found"),
    );
    assert_status(
        app.delete(&bob, "secret.csv").await,
        Code::NotFound,
        Some("file_not_found"),
    );
    assert_status(
        app.set_active(&bob, "secret.csv").await,
        Code::NotFound,
        Some("file_not_found"),
    );
    assert_status(
        app.resolve(&bob, &alice_session).await,
        Code::NotFound,
        Some("no_active_file"),
    );
    app.forget(&bob, &alice_session)
        .await
        .expect("forgets only bob's own entry");
    assert_status(app.active_file(&bob).await, Code::NotFound, None);

    // Bob may use the same name for his own file.
    let bobs = app.upload(&bob, "secret.csv", "x\n1\n").await.expect("bob's upload");
    assert_eq!(bobs.rows, 1);

    assert_eq!(app.list(&alice).await, std::slice::from_ref(&file));
    assert_eq!(app.profile(&alice, "secret.csv").await.expect("profile"), profile);
    assert_eq!(app.active_file(&alice).await.expect("active"), file);
    assert_eq!(
        app.resolve(&alice, &alice_session).await.expect("resolve").file,
        Some(file)
    );
}
