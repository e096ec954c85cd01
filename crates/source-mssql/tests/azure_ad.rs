//! Entra ID (Azure AD) logins against token endpoints these tests start on
//! 127.0.0.1, which check that each request is the one Azure expects and
//! answer as Azure does (errors included), and against the emulator, which
//! accepts the token in LOGIN7's federated authentication.

use mssql_emulator::{Emulator, Encryption, RunningEmulator};
use serde_json::{json, Value};
use source_mssql::azure_ad::Credentials;
use source_mssql::config::{Authentication, Config};
use source_mssql::connection::Connector;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "0b5d8f8e-app-client-id";
const SECRET: &str = "Qx8~secret.VALUE-never-shown";
const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJhcHBpZCI6InNwIn0.c2lnbmVk-TOKEN";

/// One HTTP request as the endpoint saw it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `application/x-www-form-urlencoded` body's fields, or the query's.
    fn fields(text: &str) -> Vec<(String, String)> {
        text.split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (decode(k), decode(v)))
            .collect()
    }
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

type Answer = fn(&Request) -> (u16, Value);

/// An answer sent before `Answer` takes over: a status and extra headers,
/// as Azure sends when throttled or failing.
type Busy = (u16, &'static str);

/// A token endpoint on 127.0.0.1: records each request, answers with `answer`.
struct Endpoint {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Endpoint {
    fn start(answer: Answer) -> Self {
        Self::busy_first(Vec::new(), answer)
    }

    /// Answers the first requests with `busy`, the rest with `answer`.
    fn busy_first(busy: Vec<Busy>, answer: Answer) -> Self {
        Self::serve(TcpListener::bind("127.0.0.1:0").unwrap(), busy, answer)
    }

    fn serve(listener: TcpListener, busy: Vec<Busy>, answer: Answer) -> Self {
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let mut busy = busy.into_iter();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let request = read_request(&mut stream);
                let (status, headers, body) = match busy.next() {
                    Some((status, headers)) => (status, headers, json!({"error": "busy"})),
                    None => {
                        let (status, body) = answer(&request);
                        (status, "", body)
                    }
                };
                seen.lock().unwrap().push(request);
                let body = body.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\n\
                     {headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Request {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    Request {
        method,
        target,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

/// Entra ID's v2.0 token endpoint for one tenant, application and secret.
fn entra_id(request: &Request) -> (u16, Value) {
    let fields = Request::fields(&request.body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let expected_target = format!("/{TENANT}/oauth2/v2.0/token");
    if request.method != "POST"
        || request.target != expected_target
        || request.header("content-type") != Some("application/x-www-form-urlencoded")
        || field("grant_type") != Some("client_credentials")
        || field("scope") != Some("https://database.windows.net/.default")
        || field("client_id") != Some(CLIENT_ID)
    {
        return (
            400,
            json!({"error": "invalid_request",
            "error_description": format!("AADSTS900144: unexpected request {request:?}")}),
        );
    }
    if field("client_secret") != Some(SECRET) {
        return (
            401,
            json!({"error": "invalid_client",
            "error_description": format!("AADSTS7000215: Invalid client secret provided. Ensure the \
                secret being sent in the request is the client secret value, not the client secret \
                ID, for a secret added to app '{CLIENT_ID}'.\r\nTrace ID: 1\r\nCorrelation ID: 2"),
            "error_codes": [7000215], "timestamp": "2026-12-01 22:00:00Z"}),
        );
    }
    (
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                 "access_token": TOKEN}),
    )
}

/// The instance metadata endpoint, with one user-assigned identity.
fn metadata(request: &Request) -> (u16, Value) {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let fields = Request::fields(query);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if request.method != "GET"
        || path != "/metadata/identity/oauth2/token"
        || request.header("metadata") != Some("true")
        || field("api-version") != Some("2018-02-01")
        || field("resource") != Some("https://database.windows.net/")
    {
        return (
            400,
            json!({"error": "invalid_request", "error_description": "Bad request"}),
        );
    }
    if field("client_id") != Some("mi-client-1") {
        return (
            400,
            json!({"error": "invalid_request", "error_description": "Identity not found"}),
        );
    }
    // IMDS sends its numbers as strings.
    (
        200,
        json!({"access_token": TOKEN, "expires_in": "86399", "expires_on": "1765000000",
                 "resource": "https://database.windows.net/", "token_type": "Bearer"}),
    )
}

fn principal(endpoint: &Endpoint, secret: &str) -> Authentication {
    Authentication::ServicePrincipal {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        client_secret: source_mssql::config::Secret::new(secret),
        authority: endpoint.url.clone(),
    }
}

fn credentials(auth: &Authentication) -> Credentials {
    Credentials::new(auth, Duration::from_secs(5)).unwrap()
}

#[tokio::test]
async fn a_service_principal_gets_its_token_once() {
    let endpoint = Endpoint::start(entra_id);
    let credentials = credentials(&principal(&endpoint, SECRET));
    for _ in 0..3 {
        let token = credentials.token().await.unwrap().unwrap();
        assert_eq!(token.expose(), TOKEN);
    }
    assert_eq!(
        endpoint.requests().len(),
        1,
        "the token is reused until near expiry"
    );
}

#[tokio::test]
async fn a_wrong_secret_says_so_and_never_shows_it() {
    let endpoint = Endpoint::start(entra_id);
    let err = credentials(&principal(&endpoint, "wrong-SECRET-guess"))
        .token()
        .await
        .unwrap_err()
        .error;
    assert_eq!(
        err.failure_type,
        source_mssql::protocol::airbyte::FailureType::ConfigError
    );
    assert!(err.message.contains("AADSTS7000215"), "{}", err.message);
    assert!(
        err.message.contains("client_secret` is wrong or expired"),
        "{}",
        err.message
    );
    let everything = format!("{err:?}");
    assert!(!everything.contains("wrong-SECRET-guess"), "{everything}");
    assert!(
        everything.contains("Invalid client secret provided"),
        "{everything}"
    );
}

#[tokio::test]
async fn a_managed_identity_asks_the_metadata_endpoint() {
    let endpoint = Endpoint::start(metadata);
    let identity = |id: &str| Authentication::ManagedIdentity {
        client_id: Some(id.into()),
        endpoint: format!("{}/metadata/identity/oauth2/token", endpoint.url),
    };
    let token = credentials(&identity("mi-client-1")).token().await.unwrap();
    assert_eq!(token.unwrap().expose(), TOKEN);
    let err = credentials(&identity("not-assigned"))
        .token()
        .await
        .unwrap_err()
        .error;
    assert!(
        err.message.contains("`authentication.msi_client_id`"),
        "{}",
        err.message
    );
    assert_eq!(endpoint.requests().len(), 2);
}

#[tokio::test]
async fn no_metadata_endpoint_is_explained() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let identity = Authentication::ManagedIdentity {
        client_id: None,
        endpoint: format!("http://{closed}/metadata/identity/oauth2/token"),
    };
    let err = credentials(&identity).token().await.unwrap_err().error;
    assert!(
        err.message
            .contains("cannot reach the managed identity endpoint"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("work only on Azure"),
        "{}",
        err.message
    );
}

fn emulator() -> RunningEmulator {
    Emulator::builder()
        .login("sa", "Sql-Pa55")
        .database("shop")
        .encryption(Encryption::Required)
        .accept_token(TOKEN, "etl-app@contoso.com")
        .start("127.0.0.1:0")
        .unwrap()
}

fn config(server: &RunningEmulator, authentication: Value) -> Value {
    json!({"host": "127.0.0.1", "port": server.addr().port(), "database": "shop",
           "ssl_mode": {"mode": "encrypted_trust_server_certificate"},
           "connect_retry_seconds": 0, "authentication": authentication})
}

async fn login_name(connector: &Connector) -> String {
    let mut client = connector
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{}", e.message));
    let row = client
        .simple_query("SELECT SUSER_SNAME()")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    row.get::<&str, _>(0).unwrap().to_string()
}

#[tokio::test]
async fn a_service_principal_logs_in_with_fed_auth() {
    let endpoint = Endpoint::start(entra_id);
    let server = emulator();
    let config = Config::from_value(&config(
        &server,
        json!({
        "auth_type": "active_directory_service_principal", "client_id": CLIENT_ID,
        "client_secret": SECRET, "tenant_id": TENANT, "authority": endpoint.url}),
    ))
    .unwrap();
    let connector = Connector::open(&config).await.unwrap();
    // Parallel readers share the connector: one token for all.
    for _ in 0..3 {
        assert_eq!(login_name(&connector).await, "etl-app@contoso.com");
    }
    assert_eq!(endpoint.requests().len(), 1);
    assert_eq!(server.login_attempts(), 3);
}

#[tokio::test]
async fn a_given_access_token_logs_in_and_a_wrong_one_fails_clearly() {
    let server = emulator();
    let good = Config::from_value(&config(
        &server,
        json!({"auth_type": "access_token", "access_token": TOKEN}),
    ))
    .unwrap();
    assert_eq!(
        login_name(&Connector::open(&good).await.unwrap()).await,
        "etl-app@contoso.com"
    );
    let bad = Config::from_value(&config(
        &server,
        json!({"auth_type": "access_token", "access_token": "eyJ-expired-TOKEN"}),
    ))
    .unwrap();
    let Err(err) = source_mssql::connection::connect(&bad).await else {
        panic!("the emulator accepts only TOKEN")
    };
    assert!(
        err.message.contains("refused the Entra ID login"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("FROM EXTERNAL PROVIDER"),
        "{}",
        err.message
    );
    assert!(!format!("{err:?}").contains("eyJ-expired-TOKEN"));
}

/// Through the binary: Mage's spelling, and a wrong secret that fails
/// `check` clearly without the secret anywhere in the output.
#[test]
fn check_with_mages_spelling_and_with_a_wrong_secret() {
    let endpoint = Endpoint::start(entra_id);
    let server = emulator();
    let run = |secret: &str| {
        let mut value = config(&server, Value::Null);
        let map = value.as_object_mut().unwrap();
        map.insert(
            "authentication".into(),
            json!("ActiveDirectoryServicePrincipal"),
        );
        map.insert("username".into(), json!(CLIENT_ID));
        map.insert("password".into(), json!(secret));
        map.insert("tenant_id".into(), json!(TENANT));
        map.insert("authority".into(), json!(endpoint.url));
        let path = std::env::temp_dir().join(format!(
            "azure-ad-{}-{}.json",
            std::process::id(),
            secret.len()
        ));
        std::fs::write(&path, value.to_string()).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_source-mssql"))
            .args(["check", "--config", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{stdout}{stderr}"
        );
        assert!(
            !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
            "{stdout}{stderr}"
        );
        (output.status.code(), stdout)
    };
    let (code, stdout) = run(SECRET);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("SUCCEEDED"), "{stdout}");
    // A check that says no: FAILED naming the key, and exit code 0.
    let (code, stdout) = run("Wrong~secret-value");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains(r#""status":"FAILED""#), "{stdout}");
    assert!(
        stdout.contains("client_secret` is wrong or expired"),
        "{stdout}"
    );
}

/// A service principal's connector to `server`, retrying for `retry_seconds`.
async fn principal_connector(
    server: &RunningEmulator,
    endpoint_url: &str,
    secret: &str,
    retry_seconds: u64,
) -> Connector {
    let mut value = config(
        server,
        json!({"auth_type": "active_directory_service_principal", "client_id": CLIENT_ID,
               "client_secret": secret, "tenant_id": TENANT, "authority": endpoint_url}),
    );
    value["connect_retry_seconds"] = json!(retry_seconds);
    Connector::open(&Config::from_value(&value).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_failing_token_endpoint_is_retried_until_it_answers() {
    let endpoint = Endpoint::busy_first(vec![(503, "")], entra_id);
    let server = emulator();
    let connector = principal_connector(&server, &endpoint.url, SECRET, 30).await;
    assert_eq!(login_name(&connector).await, "etl-app@contoso.com");
    assert_eq!(endpoint.requests().len(), 2, "one 503, then the token");
    assert_eq!(server.login_attempts(), 1, "no login without a token");
}

#[tokio::test]
async fn a_throttled_metadata_endpoint_is_waited_for_as_it_asks() {
    let endpoint = Endpoint::busy_first(vec![(429, "Retry-After: 2\r\n")], metadata);
    let server = emulator();
    let mut value = config(
        &server,
        json!({"auth_type": "active_directory_managed_identity", "msi_client_id": "mi-client-1",
               "msi_endpoint": format!("{}/metadata/identity/oauth2/token", endpoint.url)}),
    );
    value["connect_retry_seconds"] = json!(30);
    let connector = Connector::open(&Config::from_value(&value).unwrap())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(login_name(&connector).await, "etl-app@contoso.com");
    // The backoff's own first wait is at most 0.5s: 2s is the endpoint's.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(endpoint.requests().len(), 2);
}

#[tokio::test]
async fn a_token_endpoint_that_comes_up_late_is_reached() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        Endpoint::serve(TcpListener::bind(address).unwrap(), Vec::new(), entra_id)
    });
    let server = emulator();
    let connector = principal_connector(&server, &format!("http://{address}"), SECRET, 30).await;
    assert_eq!(login_name(&connector).await, "etl-app@contoso.com");
    assert_eq!(late.join().unwrap().requests().len(), 1);
}

#[tokio::test]
async fn a_token_endpoint_down_past_the_budget_gives_up_clearly() {
    let busy = vec![(503, ""); 64];
    let endpoint = Endpoint::busy_first(busy, entra_id);
    let server = emulator();
    let connector = principal_connector(&server, &endpoint.url, SECRET, 2).await;
    let started = std::time::Instant::now();
    let Err(err) = connector.connect().await else {
        panic!("the endpoint only ever answers 503")
    };
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert!(endpoint.requests().len() >= 2, "retried within the budget");
    assert_eq!(
        err.failure_type,
        source_mssql::protocol::airbyte::FailureType::TransientError
    );
    for text in [
        "the Entra ID token endpoint",
        "HTTP 503",
        "gave up after",
        "connect_retry_seconds",
    ] {
        assert!(err.message.contains(text), "{text}: {}", err.message);
    }
    assert_eq!(server.login_attempts(), 0);
}

#[tokio::test]
async fn a_wrong_secret_is_not_retried() {
    let endpoint = Endpoint::start(entra_id);
    let server = emulator();
    let connector = principal_connector(&server, &endpoint.url, "wrong-SECRET-guess", 30).await;
    let started = std::time::Instant::now();
    let Err(err) = connector.connect().await else {
        panic!("the secret is wrong")
    };
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(err.message.contains("AADSTS7000215"), "{}", err.message);
    assert!(!err.message.contains("gave up after"), "{}", err.message);
    assert!(!format!("{err:?}").contains("wrong-SECRET-guess"));
    assert_eq!(endpoint.requests().len(), 1);
}
