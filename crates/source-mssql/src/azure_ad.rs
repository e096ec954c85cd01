//! Microsoft Entra ID (Azure AD) tokens for the login's federated
//! authentication: fetched for a service principal (OAuth2 client
//! credentials) or a managed identity (the instance metadata endpoint), or
//! given in the config.
//!
//! A command fetches its token once and reuses it for every connection
//! until it is close to expiry. Tokens and client secrets are [`Secret`]s;
//! no message here holds one, and Azure's answers are scrubbed of them.
//!
//! A fetch that may work if tried again (refused or reset connection,
//! timeout, HTTP 429 or 5xx) fails with a reason to retry, and the
//! [`Connector`](crate::connection::Connector)'s backoff retries it as part
//! of the connection attempt, within `connect_retry_seconds`; an AADSTS
//! refusal (4xx) is final.

use crate::config::{Authentication, Secret};
use crate::connection::Failure;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// What the token is for: Azure SQL Database and Managed Instance.
pub const SQL_SCOPE: &str = "https://database.windows.net/.default";
const SQL_RESOURCE: &str = "https://database.windows.net/";
const MSI_API_VERSION: &str = "2018-02-01";
/// A token this close to expiry is fetched again, so a connection never
/// logs in with one that lapses mid-handshake.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// An access token and when it stops being valid.
#[derive(Debug, Clone)]
pub struct Token {
    pub secret: Secret,
    /// `None`: unknown (a token from the config); used as long as it works.
    pub expires_at: Option<Instant>,
}

impl Token {
    fn is_fresh(&self) -> bool {
        self.expires_at
            .is_none_or(|at| at.saturating_duration_since(Instant::now()) > REFRESH_MARGIN)
    }
}

/// The token of one command, shared by its connections.
#[derive(Debug)]
pub struct Credentials {
    authentication: Authentication,
    /// Made only for a token login: a SQL login needs no HTTP.
    http: Option<reqwest::Client>,
    cached: Mutex<Option<Token>>,
}

impl Credentials {
    /// `timeout` bounds each request to Entra ID.
    pub fn new(authentication: &Authentication, timeout: Duration) -> Result<Self> {
        let http = match authentication {
            Authentication::ServicePrincipal { .. } | Authentication::ManagedIdentity { .. } => {
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    .build()
                    .map_err(|e| Error::system(format!("cannot start an HTTP client: {e}")))?;
                Some(client)
            }
            _ => None,
        };
        Ok(Self {
            authentication: authentication.clone(),
            http,
            cached: Mutex::new(None),
        })
    }

    /// The token to log in with, or `None` for a SQL login. Fetched on first
    /// use and again when close to expiry; one request, not retried here.
    pub async fn token(&self) -> Result<Option<Secret>, Failure> {
        if !self.authentication.is_token() {
            return Ok(None);
        }
        if let Authentication::AccessToken(token) = &self.authentication {
            return Ok(Some(token.clone()));
        }
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.is_fresh()) {
            return Ok(Some(token.secret.clone()));
        }
        let http = self
            .http
            .as_ref()
            .ok_or_else(|| Error::system("no HTTP client for a token login"))?;
        // The lock is held for one request only: the caller's backoff sleeps
        // without it.
        let token = fetch(http, &self.authentication).await?;
        let secret = token.secret.clone();
        *cached = Some(token);
        Ok(Some(secret))
    }
}

/// Asks Entra ID (or the metadata endpoint) for a token, once.
pub async fn fetch(
    http: &reqwest::Client,
    authentication: &Authentication,
) -> Result<Token, Failure> {
    match authentication {
        Authentication::SqlPassword => {
            Err(Error::system("a SQL login has no token to fetch").into())
        }
        Authentication::AccessToken(token) => Ok(Token {
            secret: token.clone(),
            expires_at: None,
        }),
        Authentication::ServicePrincipal {
            tenant_id,
            client_id,
            client_secret,
            authority,
        } => {
            let url = format!("{authority}/{tenant_id}/oauth2/v2.0/token");
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.expose()),
                ("scope", SQL_SCOPE),
            ];
            let request = http.post(&url).form(&form);
            let what = "the Entra ID token endpoint";
            let answer = send(request, &url, what).await?;
            token_from(answer, &url, what, client_secret.expose(), principal_error)
        }
        Authentication::ManagedIdentity {
            client_id,
            endpoint,
        } => {
            let mut url = reqwest::Url::parse(endpoint).map_err(|e| {
                Error::config(format!(
                    "config: `authentication.msi_endpoint` is not a URL ({e})"
                ))
            })?;
            url.query_pairs_mut()
                .append_pair("api-version", MSI_API_VERSION)
                .append_pair("resource", SQL_RESOURCE);
            if let Some(id) = client_id {
                url.query_pairs_mut().append_pair("client_id", id);
            }
            let request = http.get(url.clone()).header("Metadata", "true");
            let what = "the managed identity endpoint";
            let answer = send(request, endpoint, what)
                .await
                .map_err(|failure| Failure {
                    error: Error::config(format!(
                        "{} Managed identities work only on Azure (a VM, App Service, AKS or \
                     Container Apps with an identity assigned); elsewhere use \
                     active_directory_service_principal, or set `authentication.msi_endpoint`",
                        failure.error.message
                    )),
                    ..failure
                })?;
            token_from(answer, endpoint, what, "", managed_identity_error)
        }
    }
}

/// An answer's status, body and `Retry-After`.
struct Answer {
    status: reqwest::StatusCode,
    body: String,
    retry_after: Option<Duration>,
}

async fn send(request: reqwest::RequestBuilder, url: &str, what: &str) -> Result<Answer, Failure> {
    let response = request.send().await.map_err(|e| Failure {
        error: Error::transient(format!(
            "cannot reach {what} at {url} ({}); check the network and proxy settings",
            short(&e)
        )),
        retry_because: transient_cause(&e).map(|cause| format!("{what}: {cause}")),
        retry_after: None,
    })?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body = response.text().await.map_err(|e| Failure {
        error: Error::transient(format!(
            "{what} at {url} broke off its answer ({})",
            short(&e)
        )),
        retry_because: Some(format!("{what} broke off its answer")),
        retry_after: None,
    })?;
    Ok(Answer {
        status,
        body,
        retry_after,
    })
}

/// Why a request that got no answer may get one if sent again; `None` for
/// what waiting does not fix (a wrong host name, a bad certificate).
fn transient_cause(error: &reqwest::Error) -> Option<&'static str> {
    use std::error::Error as _;
    use std::io::ErrorKind::*;
    if error.is_timeout() {
        return Some("timed out");
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                ConnectionRefused => Some("connection refused"),
                ConnectionReset | ConnectionAborted | BrokenPipe => Some("connection reset"),
                TimedOut => Some("timed out"),
                _ => None,
            };
        }
        source = cause.source();
    }
    None
}

/// `Retry-After` in seconds (what Azure's endpoints send; an HTTP date is
/// ignored, and the backoff's own wait applies).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

/// reqwest's error without its source chain's repetition.
fn short(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    match error.source() {
        Some(source) => format!("{error}: {source}"),
        None => error.to_string(),
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// Seconds; the metadata endpoint sends a string, Entra ID a number.
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct ErrorAnswer {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u64>,
}

fn token_from(
    answer: Answer,
    url: &str,
    what: &str,
    secret: &str,
    explain: fn(&ErrorAnswer, reqwest::StatusCode) -> Error,
) -> Result<Token, Failure> {
    let status = answer.status;
    if !status.is_success() {
        let parsed: ErrorAnswer = serde_json::from_str(&answer.body).unwrap_or_default();
        let detail = format!(
            "HTTP {status} from {url}: {} {}",
            parsed.error, parsed.error_description
        );
        let detail = scrub(&detail, secret);
        if !is_busy(status) {
            return Err(explain(&parsed, status).with_internal(detail).into());
        }
        let code = aadsts_code(&parsed)
            .map(|code| format!(", AADSTS{code}"))
            .unwrap_or_default();
        let error = Error::transient(format!(
            "{what} at {url} answered HTTP {status}{code}: it is throttling or failing; retry \
             later"
        ))
        .with_internal(detail);
        let asked = answer
            .retry_after
            .map(|after| format!(", Retry-After {}s", after.as_secs()))
            .unwrap_or_default();
        return Err(Failure {
            error,
            retry_because: Some(format!("{what} answered HTTP {}{asked}", status.as_u16())),
            retry_after: answer.retry_after,
        });
    }
    let parsed: TokenAnswer = serde_json::from_str(&answer.body).map_err(|e| {
        Error::system(format!(
            "{url} answered HTTP {status} without a token in JSON ({e})"
        ))
    })?;
    let seconds = match &parsed.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(Token {
        secret: Secret::new(parsed.access_token),
        expires_at: seconds.map(|s| Instant::now() + Duration::from_secs(s)),
    })
}

/// Throttled (429) or failing (5xx): the managed identity endpoint's docs
/// say to retry these, and Entra ID's outages answer so too.
fn is_busy(status: reqwest::StatusCode) -> bool {
    status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// Removes `secret` from text that may echo the request back.
fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "***")
    }
}

/// The AADSTS number: in `error_codes`, or at the start of the description.
fn aadsts_code(answer: &ErrorAnswer) -> Option<u64> {
    answer.error_codes.first().copied().or_else(|| {
        let rest = answer.error_description.split("AADSTS").nth(1)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

fn principal_error(answer: &ErrorAnswer, status: reqwest::StatusCode) -> Error {
    let key = "authentication";
    let message = match aadsts_code(answer) {
        Some(7000215) => format!(
            "Entra ID refused the service principal (AADSTS7000215): `{key}.client_secret` is \
             wrong or expired; use the secret's Value (not its Secret ID) from the app's \
             Certificates & secrets page, or create a new secret"
        ),
        Some(7000222) => format!(
            "Entra ID refused the service principal (AADSTS7000222): `{key}.client_secret` has \
             expired; create a new secret for the app and put it in the config"
        ),
        Some(700016) => format!(
            "Entra ID refused the service principal (AADSTS700016): no application with \
             `{key}.client_id` exists in tenant `{key}.tenant_id`; check both ids on the app's \
             Overview page"
        ),
        Some(code @ (90002 | 900023)) => format!(
            "Entra ID does not know the tenant (AADSTS{code}): check `{key}.tenant_id`, the \
             Directory (tenant) ID on the app's Overview page"
        ),
        Some(7000112) => format!(
            "Entra ID refused the service principal (AADSTS7000112): the application of \
             `{key}.client_id` is disabled"
        ),
        Some(code) => format!(
            "Entra ID refused the token request (AADSTS{code}, {}): {}",
            answer.error,
            first_line(&answer.error_description)
        ),
        None => format!(
            "the Entra ID token endpoint refused the request (HTTP {status}); check \
             `{key}.authority` and `{key}.tenant_id`"
        ),
    };
    Error::config(message)
}

fn managed_identity_error(answer: &ErrorAnswer, status: reqwest::StatusCode) -> Error {
    let description = first_line(&answer.error_description);
    if description
        .to_ascii_lowercase()
        .contains("identity not found")
    {
        return Error::config(
            "the managed identity endpoint has no such identity: assign a managed identity to \
             this machine, or set `authentication.msi_client_id` to the client id of one that is \
             assigned",
        );
    }
    Error::config(format!(
        "the managed identity endpoint refused the request (HTTP {status}, {}): {description}",
        answer.error
    ))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> ErrorAnswer {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn aadsts_numbers_from_codes_or_text() {
        assert_eq!(
            aadsts_code(&answer(r#"{"error_codes":[700016]}"#)),
            Some(700016)
        );
        let a = answer(r#"{"error_description":"AADSTS90002: Tenant 'x' not found.\r\nTrace"}"#);
        assert_eq!(aadsts_code(&a), Some(90002));
        assert_eq!(aadsts_code(&ErrorAnswer::default()), None);
    }

    #[test]
    fn errors_name_the_key_to_fix() {
        let bad = reqwest::StatusCode::UNAUTHORIZED;
        let cases = [
            (
                7000215,
                "`authentication.client_secret` is wrong or expired",
            ),
            (7000222, "has expired"),
            (700016, "`authentication.client_id`"),
            (90002, "`authentication.tenant_id`"),
        ];
        for (code, text) in cases {
            let a = ErrorAnswer {
                error_codes: vec![code],
                ..ErrorAnswer::default()
            };
            let e = principal_error(&a, bad);
            assert!(e.message.contains(text), "{code}: {}", e.message);
            assert_eq!(
                e.failure_type,
                crate::protocol::airbyte::FailureType::ConfigError
            );
        }
    }

    fn failure(status: u16, body: &str, retry_after: Option<u64>) -> Failure {
        let answer = Answer {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            body: body.to_string(),
            retry_after: retry_after.map(Duration::from_secs),
        };
        token_from(answer, "http://x", "the endpoint", "", principal_error).unwrap_err()
    }

    #[test]
    fn busy_answers_are_retried_and_refusals_are_not() {
        let busy = failure(503, "", None);
        assert_eq!(
            busy.error.failure_type,
            crate::protocol::airbyte::FailureType::TransientError
        );
        assert_eq!(
            busy.retry_because.as_deref(),
            Some("the endpoint answered HTTP 503")
        );
        let throttled = failure(429, "", Some(3));
        assert_eq!(throttled.retry_after, Some(Duration::from_secs(3)));
        let refused = failure(401, r#"{"error_codes":[7000215]}"#, None);
        assert!(refused.retry_because.is_none());
        assert!(refused.error.message.contains("AADSTS7000215"));
    }

    #[test]
    fn a_token_near_expiry_is_stale() {
        let token = |secs| Token {
            secret: Secret::new("t"),
            expires_at: Some(Instant::now() + Duration::from_secs(secs)),
        };
        assert!(token(3600).is_fresh());
        assert!(!token(60).is_fresh());
        assert!(Token {
            secret: Secret::new("t"),
            expires_at: None
        }
        .is_fresh());
    }

    #[test]
    fn scrub_removes_the_secret() {
        assert_eq!(scrub("bad s3cr3t here", "s3cr3t"), "bad *** here");
    }
}
