//! `authentication`: how the source logs in. A SQL Server login (the
//! default), or a Microsoft Entra ID (Azure AD) token: fetched for a service
//! principal or a managed identity, or handed over in the config.
//!
//! Airbyte's spelling is an object with the discriminator `auth_type`;
//! Mage's is a string, `"authentication": "ActiveDirectoryServicePrincipal"`,
//! with the application's id in `username` and its secret in `password`.

use super::reader::ObjectReader;
use super::Secret;
use crate::error::{Error, Result};
use serde_json::Value;

/// Microsoft's public cloud; sovereign clouds have their own authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// The Azure instance metadata service's token endpoint.
pub const DEFAULT_MSI_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Authentication {
    /// `Config::username` and `Config::password`.
    #[default]
    SqlPassword,
    ServicePrincipal {
        tenant_id: String,
        client_id: String,
        client_secret: Secret,
        /// `https://login.microsoftonline.com` unless set (`authority`).
        authority: String,
    },
    ManagedIdentity {
        /// A user-assigned identity's client id; `None`: the system-assigned one.
        client_id: Option<String>,
        /// The metadata endpoint (`msi_endpoint`).
        endpoint: String,
    },
    /// A token the orchestrator already has.
    AccessToken(Secret),
}

impl Authentication {
    /// Whether the login is an Entra ID token rather than a SQL login.
    pub fn is_token(&self) -> bool {
        *self != Authentication::SqlPassword
    }
}

/// The login: who (`username`, for messages when a token is used), the SQL
/// password, and how to authenticate.
pub struct Login {
    pub username: String,
    pub password: Secret,
    pub authentication: Authentication,
}

const SQL_LOGIN: &str = "the SQL Server login to read the database with";

/// Reads `authentication` and the top-level `username` (or PostHog's
/// `user`) and `password`.
pub fn read_login(top: &mut ObjectReader, unknown: &mut Vec<String>) -> Result<Login> {
    let top_user = match (top.text("username")?, top.text("user")?) {
        (Some(a), Some(b)) if a != b => {
            return Err(Error::config(
                "config: `username` and `user` name different logins; keep one",
            ))
        }
        (a, b) => a.or(b),
    };
    let top_password = top.secret("password")?;
    match top.get("authentication") {
        None => {
            let username = top_user.ok_or_else(|| top.missing("username", SQL_LOGIN))?;
            Ok(sql_login(username, top_password))
        }
        Some(Value::String(name)) => read_mage(top, name, top_user, top_password),
        Some(Value::Object(_)) => {
            let Some(mut auth) = top.object("authentication")? else {
                unreachable!("an object was found")
            };
            let login = read_object(&mut auth, top_user, top_password)?;
            auth.finish(unknown);
            Ok(login)
        }
        Some(other) => Err(top.wrong(
            "authentication",
            "an object with `auth_type`, or \"ActiveDirectoryServicePrincipal\"",
            other,
        )),
    }
}

fn sql_login(username: String, password: Option<Secret>) -> Login {
    Login {
        username,
        password: password.unwrap_or_default(),
        authentication: Authentication::SqlPassword,
    }
}

fn token_login(username: impl Into<String>, authentication: Authentication) -> Login {
    Login {
        username: username.into(),
        password: Secret::default(),
        authentication,
    }
}

fn read_object(
    auth: &mut ObjectReader,
    top_user: Option<String>,
    top_password: Option<Secret>,
) -> Result<Login> {
    let auth_type = auth
        .text("auth_type")?
        .unwrap_or_else(|| "sql_password".into());
    match auth_type.as_str() {
        "sql_password" => {
            let username = match auth.text("username")?.or(top_user) {
                Some(user) => user,
                None => return Err(auth.missing("username", SQL_LOGIN)),
            };
            Ok(sql_login(
                username,
                auth.secret("password")?.or(top_password),
            ))
        }
        "active_directory_service_principal" => {
            let client_id = auth.required_text("client_id", "the application (client) id")?;
            let client_secret = required_secret(auth, "client_secret", "the client secret")?;
            let tenant_id = auth.required_text("tenant_id", "the directory (tenant) id")?;
            let authority = read_authority(auth)?;
            let principal = Authentication::ServicePrincipal {
                tenant_id,
                client_id: client_id.clone(),
                client_secret,
                authority,
            };
            Ok(token_login(client_id, principal))
        }
        "active_directory_managed_identity" => {
            let client_id = auth.text("msi_client_id")?;
            let endpoint = match auth.text("msi_endpoint")? {
                Some(url) => http_url(auth, "msi_endpoint", url)?,
                None => DEFAULT_MSI_ENDPOINT.to_string(),
            };
            let name = client_id
                .clone()
                .unwrap_or_else(|| "the managed identity".into());
            let identity = Authentication::ManagedIdentity {
                client_id,
                endpoint,
            };
            Ok(token_login(name, identity))
        }
        "access_token" => {
            let token = required_secret(auth, "access_token", "an Entra ID access token")?;
            Ok(token_login(
                "the access token's identity",
                Authentication::AccessToken(token),
            ))
        }
        other => Err(Error::config(format!(
            "config: `{}` is \"{other}\"; use sql_password, active_directory_service_principal, \
             active_directory_managed_identity or access_token",
            auth.name("auth_type")
        ))),
    }
}

/// Mage's spelling: the application id in `username`, its secret in
/// `password`, and the tenant in a top-level `tenant_id`.
fn read_mage(
    top: &mut ObjectReader,
    name: &str,
    top_user: Option<String>,
    top_password: Option<Secret>,
) -> Result<Login> {
    match name {
        "ActiveDirectoryServicePrincipal" => {
            let client_id = top_user.ok_or_else(|| {
                top.missing(
                    "username",
                    "the application (client) id of the service principal",
                )
            })?;
            let client_secret = top_password
                .filter(|s| !s.expose().is_empty())
                .ok_or_else(|| top.missing("password", "the service principal's client secret"))?;
            let tenant_id = top.required_text("tenant_id", "the directory (tenant) id")?;
            let authority = read_authority(top)?;
            let principal = Authentication::ServicePrincipal {
                tenant_id,
                client_id: client_id.clone(),
                client_secret,
                authority,
            };
            Ok(token_login(client_id, principal))
        }
        "SqlPassword" | "sql_password" => {
            let username = top_user.ok_or_else(|| top.missing("username", SQL_LOGIN))?;
            Ok(sql_login(username, top_password))
        }
        other => Err(Error::config(format!(
            "config: `authentication` is \"{other}\"; use \"ActiveDirectoryServicePrincipal\", \
             or an object with `auth_type`"
        ))),
    }
}

fn required_secret(obj: &mut ObjectReader, key: &str, what: &str) -> Result<Secret> {
    obj.secret(key)?
        .filter(|s| !s.expose().trim().is_empty())
        .ok_or_else(|| obj.missing(key, what))
}

fn read_authority(obj: &mut ObjectReader) -> Result<String> {
    match obj.text("authority")? {
        Some(url) => http_url(obj, "authority", url.trim_end_matches('/').to_string()),
        None => Ok(DEFAULT_AUTHORITY.to_string()),
    }
}

fn http_url(obj: &ObjectReader, key: &str, url: String) -> Result<String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(Error::config(format!(
            "config: `{}` must be an http:// or https:// URL, got \"{url}\"",
            obj.name(key)
        )))
    }
}
