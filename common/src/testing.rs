//! Test support (feature `testing`): a fresh PostgreSQL database per test and a TCP
//! proxy a test can close, reopen or turn into a black hole, to take a real dependency
//! or backend away and bring it back without touching the shared servers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

/// The PostgreSQL server tests use: `TEST_DATABASE_URL`, a URL to any database on it.
pub fn postgres_server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The Redis server tests use: `TEST_REDIS_URL`.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// The `host:port` of a `scheme://[user@]host:port/...` URL, resolved.
pub async fn authority(url: &str) -> SocketAddr {
    let (_, rest) = url.split_once("://").expect("URL with a scheme");
    let host_port = rest.split(['/', '?']).next().unwrap_or(rest);
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, host_port)| host_port);
    tokio::net::lookup_host(host_port)
        .await
        .expect("resolve host")
        .next()
        .expect("an address")
}

/// `url` with its `host:port` replaced by `addr` (to route a client through a proxy).
pub fn with_authority(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL with a scheme");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let user = authority
        .rsplit_once('@')
        .map(|(user, _)| format!("{user}@"))
        .unwrap_or_default();
    format!("{scheme}://{user}{addr}{tail}")
}

/// Polls `check` every 20 ms until it returns `Some`, and panics naming `what` after 20 s.
/// For conditions that become true asynchronously (a health check noticing an outage, a
/// cleanup finishing), instead of sleeping a fixed time.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A database created for one test and dropped when the value is dropped.
pub struct TestDb {
    /// The URL of the new database.
    pub url: String,
    name: String,
    server_url: String,
}

impl TestDb {
    /// Creates an empty database with a unique name on the test server.
    pub async fn create() -> Self {
        let server_url = postgres_server_url();
        let name = format!("sextant_test_{}", uuid::Uuid::new_v4().simple());
        let mut connection = PgConnection::connect(&server_url)
            .await
            .unwrap_or_else(|error| panic!("cannot reach the test PostgreSQL at {server_url}: {error}"));
        connection
            .execute(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
            .await
            .expect("create test database");
        Self {
            url: with_database(&server_url, &name),
            name,
            server_url,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with
        // its own small runtime does the work.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&server_url).await?;
                connection
                    .execute(AssertSqlSafe(format!(
                        r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
                    )))
                    .await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// What a [`TcpProxy`] does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Relay bytes to the target.
    Forward,
    /// Accept connections and never answer: a hung peer.
    Blackhole,
    /// Stop listening, so connections are refused: a stopped peer.
    Closed,
}

/// A loopback TCP proxy in front of a real server. Every change of mode cuts the
/// connections already open, as a real outage would.
pub struct TcpProxy {
    addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    control: mpsc::Sender<(Mode, oneshot::Sender<()>)>,
}

impl TcpProxy {
    /// Starts a proxy on a free loopback port, forwarding to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (control, commands) = mpsc::channel(4);
        let target = Arc::new(Mutex::new(target));
        tokio::spawn(run_proxy(listener, Arc::clone(&target), commands));
        Self { addr, target, control }
    }

    /// Sends new connections to `target` from now on (two services that call each other
    /// can then be wired before both are listening).
    pub fn retarget(&self, target: SocketAddr) {
        *self.target.lock().unwrap_or_else(PoisonError::into_inner) = target;
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switches mode; returns once the new mode is in force.
    pub async fn set(&self, mode: Mode) {
        let (done, applied) = oneshot::channel();
        self.control.send((mode, done)).await.expect("proxy running");
        applied.await.expect("proxy applied the mode");
    }
}

async fn run_proxy(
    listener: TcpListener,
    target: Arc<Mutex<SocketAddr>>,
    mut commands: mpsc::Receiver<(Mode, oneshot::Sender<()>)>,
) {
    let addr = listener.local_addr().expect("proxy address");
    let mut listener = Some(listener);
    let mut mode = Mode::Forward;
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            command = commands.recv() => {
                let Some((next, done)) = command else { break };
                connections.abort_all();
                mode = next;
                if mode == Mode::Closed {
                    listener = None;
                } else if listener.is_none() {
                    listener = Some(TcpListener::bind(addr).await.expect("rebind proxy port"));
                }
                let _ = done.send(());
            }
            accepted = async { listener.as_ref().expect("guarded").accept().await }, if listener.is_some() => {
                let Ok((inbound, _)) = accepted else { continue };
                let target = *target.lock().unwrap_or_else(PoisonError::into_inner);
                connections.spawn(async move {
                    match mode {
                        Mode::Forward => {
                            if let Ok(mut outbound) = TcpStream::connect(target).await {
                                let mut inbound = inbound;
                                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            }
                        }
                        Mode::Blackhole | Mode::Closed => {
                            let _held = inbound;
                            std::future::pending::<()>().await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_authority_swaps_only_host_and_port() {
        let addr: SocketAddr = "127.0.0.1:7".parse().expect("addr");
        assert_eq!(
            with_authority("postgres://u@h:5432/db?x=1", addr),
            "postgres://u@127.0.0.1:7/db?x=1"
        );
        assert_eq!(with_authority("redis://127.0.0.1:6379", addr), "redis://127.0.0.1:7");
    }

    #[test]
    fn with_database_swaps_only_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
