//! A lean HTTP/1.1 client on hyper's connection API: one TCP connection per [`Getter`], kept
//! alive, no pool or redirect logic in the measured path. Also the set-up calls (JSON) and
//! the streamed multipart upload.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Body;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The API's base path on the gateway.
pub const API_BASE: &str = "/api/v1/gateway";

/// Where the gateway listens and the API's base path.
#[derive(Debug, Clone)]
pub struct Target {
    /// The gateway's address.
    pub addr: SocketAddr,
    /// `Host` header value.
    host: HeaderValue,
}

impl Target {
    /// Parses `http://host:port` and resolves it.
    pub async fn resolve(url: &str) -> anyhow::Result<Self> {
        let uri: Uri = url.parse().with_context(|| format!("gateway URL {url:?}"))?;
        anyhow::ensure!(
            uri.scheme_str() == Some("http"),
            "gateway URL {url:?}: only http:// is supported"
        );
        let authority = uri.authority().context("gateway URL without host")?.clone();
        let port = authority.port_u16().unwrap_or(80);
        let addr = tokio::net::lookup_host((authority.host(), port))
            .await?
            .next()
            .with_context(|| format!("{url:?} does not resolve"))?;
        Ok(Self {
            addr,
            host: HeaderValue::from_str(authority.as_str())?,
        })
    }

    /// Opens a keep-alive HTTP/1.1 connection sending bodies of type `B`.
    pub async fn connect<B>(&self) -> Result<SendRequest<B>, CallError>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let stream = TcpStream::connect(self.addr).await.map_err(CallError::connect)?;
        stream.set_nodelay(true).map_err(CallError::connect)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(CallError::connect)?;
        tokio::spawn(async move {
            // Ends when the server or the sender closes it; an error there shows up as a
            // failed request on this connection.
            let _closed = connection.await;
        });
        Ok(sender)
    }

    /// A request for `path` with the `Host` and, given a token, `Authorization` headers.
    pub fn request<B>(
        &self,
        method: Method,
        path: &str,
        token: Option<&HeaderValue>,
        body: B,
    ) -> http::Result<Request<B>> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.host.clone());
        if let Some(token) = token {
            builder = builder.header(AUTHORIZATION, token.clone());
        }
        builder.body(body)
    }

    /// One request with a JSON body (or none) on a fresh connection: status and body.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&HeaderValue>,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let mut sender = self.connect::<Full<Bytes>>().await?;
        let bytes = body.map(|body| body.to_string()).unwrap_or_default();
        let has_body = !bytes.is_empty();
        let mut request = self.request(method, path, token, Full::new(Bytes::from(bytes)))?;
        if has_body {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let response = sender.send_request(request).await?;
        let status = response.status();
        Ok((status, response.into_body().collect().await?.to_bytes()))
    }

    /// A [`Getter`] of `path` with the bearer `token`, on its own connection.
    pub async fn getter(&self, path: &str, token: &HeaderValue) -> Result<Getter, CallError> {
        Ok(Getter {
            sender: self.connect().await?,
            target: self.clone(),
            path: path.to_owned(),
            token: token.clone(),
        })
    }

    /// POSTs a streamed body of `content_length` bytes on a fresh connection and waits for
    /// the whole answer, at most `timeout`.
    pub async fn post_streamed<B>(
        &self,
        path: &str,
        token: &HeaderValue,
        content_type: &str,
        content_length: u64,
        body: B,
        timeout: Duration,
    ) -> anyhow::Result<(StatusCode, Bytes)>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut sender = self.connect::<B>().await?;
        let mut request = self.request(Method::POST, path, Some(token), body)?;
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type)?);
        headers.insert(CONTENT_LENGTH, HeaderValue::from(content_length));
        let exchange = async {
            let response = sender.send_request(request).await?;
            let status = response.status();
            anyhow::Ok((status, response.into_body().collect().await?.to_bytes()))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .with_context(|| format!("no answer within {timeout:?}"))?
    }
}

/// The bearer `Authorization` header value of `token`.
pub fn bearer(token: &str) -> anyhow::Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallError {
    /// The TCP connection or the HTTP handshake failed.
    Connect(String),
    /// The connection failed while the request was under way.
    Io(String),
    /// An answer other than 200.
    Status(u16),
    /// No answer in time.
    Timeout,
}

impl CallError {
    fn connect(error: impl std::fmt::Display) -> Self {
        Self::Connect(error.to_string())
    }

    /// Whether the connection may carry another request after this failure.
    pub fn keeps_connection(&self) -> bool {
        matches!(self, Self::Status(_))
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect(reason) => write!(f, "connect: {reason}"),
            Self::Io(reason) => write!(f, "i/o: {reason}"),
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Timeout => f.write_str("timeout"),
        }
    }
}

impl std::error::Error for CallError {}

/// Sends `GET path` with a bearer token, again and again, on one keep-alive connection.
pub struct Getter {
    sender: SendRequest<Empty<Bytes>>,
    target: Target,
    path: String,
    token: HeaderValue,
}

impl Getter {
    /// One request: succeeds on a 200 whose body was read completely.
    pub async fn get(&mut self) -> Result<(), CallError> {
        let request = self
            .target
            .request(Method::GET, &self.path, Some(&self.token), Empty::new())
            .map_err(|error| CallError::Io(error.to_string()))?;
        self.sender
            .ready()
            .await
            .map_err(|error| CallError::Io(error.to_string()))?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|error| CallError::Io(error.to_string()))?;
        let status = response.status();
        // Read the body even on an error, so the connection stays usable.
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|error| CallError::Io(error.to_string()))?;
        if status != StatusCode::OK {
            return Err(CallError::Status(status.as_u16()));
        }
        drop(body);
        Ok(())
    }

    /// Replaces a broken connection with a new one.
    pub async fn reconnect(&mut self) -> Result<(), CallError> {
        self.sender = self.target.connect().await?;
        Ok(())
    }
}
