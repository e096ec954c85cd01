use super::*;
use crate::protocol::airbyte::FailureType;
use serde_json::json;

const PASSWORD: &str = "s3cr3t-Pa55";

fn minimal() -> Value {
    json!({"host": "db", "database": "shop", "username": "reader", "password": PASSWORD})
}

fn with(extra: Value) -> Value {
    let mut value = minimal();
    let (Some(base), Some(extra)) = (value.as_object_mut(), extra.as_object()) else {
        unreachable!("both are objects")
    };
    for (k, v) in extra {
        base.insert(k.clone(), v.clone());
    }
    value
}

fn error(value: Value) -> String {
    let err = Config::from_value(&value).unwrap_err();
    assert_eq!(err.failure_type, FailureType::ConfigError);
    assert!(!err.message.contains(PASSWORD), "leaked: {}", err.message);
    err.message
}

#[test]
fn minimal_config_gets_defaults() {
    let c = Config::from_value(&minimal()).unwrap();
    assert_eq!(c.host, "db");
    assert_eq!(c.port, 1433);
    assert_eq!(c.database, "shop");
    assert_eq!(c.username, "reader");
    assert_eq!(c.password.expose(), PASSWORD);
    // None named: all schemas.
    assert!(c.schemas.is_empty());
    assert_eq!(c.tls, Tls::Unencrypted);
    assert_eq!(c.concurrency, 4);
    assert_eq!(c.checkpoint_interval, Duration::from_secs(300));
    assert_eq!(c.checkpoint_rows, None);
    assert_eq!(c.tunnel, Tunnel::None);
    assert!(c.unknown_keys.is_empty());
    assert_eq!(c.ignored_warning(), None);
}

#[test]
fn full_airbyte_config() {
    let c = Config::from_value(&with(json!({
        "port": 1434,
        "schemas": ["dbo", "sales", "dbo"],
        "jdbc_url_params": "applicationName=nightly&ApplicationIntent=ReadOnly",
        "ssl_method": {"ssl_method": "encrypted_verify_certificate",
                       "hostNameInCertificate": "db.example.com",
                       "certificate": "-----BEGIN CERTIFICATE-----"},
        "replication_method": {"method": "STANDARD"},
        "concurrency": 3,
        "checkpoint_target_interval_seconds": 60,
        "checkpoint_interval_rows": 100000,
        "tunnel_method": {"tunnel_method": "SSH_KEY_AUTH", "tunnel_host": "bastion",
                          "tunnel_user": "ops", "ssh_key": "-----BEGIN OPENSSH PRIVATE KEY-----"}
    })))
    .unwrap();
    assert_eq!(c.port, 1434);
    assert_eq!(c.schemas, vec!["dbo", "sales"]);
    assert_eq!(c.jdbc.application_name.as_deref(), Some("nightly"));
    assert_eq!(c.jdbc.application_intent, ApplicationIntent::ReadOnly);
    assert_eq!(
        c.tls,
        Tls::VerifyCertificate(Verify {
            host_name_in_certificate: Some("db.example.com".into()),
            certificate: Some(Secret::new("-----BEGIN CERTIFICATE-----")),
        })
    );
    assert_eq!(c.concurrency, 3);
    assert_eq!(c.checkpoint_interval, Duration::from_secs(60));
    assert_eq!(c.checkpoint_rows, Some(100_000));
    let Tunnel::SshKey {
        host, port, user, ..
    } = &c.tunnel
    else {
        panic!("expected an SSH key tunnel, got {:?}", c.tunnel)
    };
    assert_eq!(
        (host.as_str(), *port, user.as_str()),
        ("bastion", 22, "ops")
    );
    assert!(c.unknown_keys.is_empty(), "{:?}", c.unknown_keys);
}

#[test]
fn posthog_aliases() {
    let value = json!({"host": "db", "database": "shop", "user": "ph", "schema": "sales"});
    let c = Config::from_value(&value).unwrap();
    assert_eq!(c.username, "ph");
    assert_eq!(c.schemas, vec!["sales"]);
    assert_eq!(c.password.expose(), "");
}

#[test]
fn pipelinewise_aliases() {
    let value = json!({"host": "db", "database": "shop", "user": "pw", "password": PASSWORD,
                       "filter_dbs": "dbo, sales,dbo"});
    let c = Config::from_value(&value).unwrap();
    assert_eq!(c.username, "pw");
    assert_eq!(c.schemas, vec!["dbo", "sales"]);
    assert!(c.unknown_keys.is_empty());
    let both = error(with(json!({"schemas": ["dbo"], "filter_dbs": "dbo"})));
    assert!(both.contains("`filter_dbs`"), "{both}");
    assert!(error(with(json!({"filter_dbs": "dbo,"}))).contains("empty name"));
}

#[test]
fn authentication_object() {
    let value = json!({"host": "db", "database": "shop",
        "authentication": {"auth_type": "sql_password", "username": "a", "password": "pw"}});
    let c = Config::from_value(&value).unwrap();
    assert_eq!(c.username, "a");
    assert_eq!(c.password.expose(), "pw");
}

#[test]
fn unsupported_auth_type() {
    let msg = error(with(json!({"authentication": {"auth_type": "azure_ad"}})));
    assert!(
        msg.contains("`authentication.auth_type` is \"azure_ad\""),
        "{msg}"
    );
    assert!(msg.contains("active_directory_service_principal"), "{msg}");
}

const CLIENT_SECRET: &str = "Zq8~client-SECRET-value";

#[test]
fn service_principal() {
    let value = json!({"host": "x.database.windows.net", "database": "shop",
        "authentication": {"auth_type": "active_directory_service_principal",
            "client_id": "app-1", "client_secret": CLIENT_SECRET, "tenant_id": "t-1"}});
    let c = Config::from_value(&value).unwrap();
    assert_eq!(
        c.authentication,
        Authentication::ServicePrincipal {
            tenant_id: "t-1".into(),
            client_id: "app-1".into(),
            client_secret: Secret::new(CLIENT_SECRET),
            authority: DEFAULT_AUTHORITY.into(),
        }
    );
    assert_eq!(c.username, "app-1");
    assert!(!format!("{c:?}").contains(CLIENT_SECRET));
    // Azure SQL is verified when no mode is given.
    assert_eq!(c.tls, Tls::VerifyCertificate(Verify::default()));
    assert!(c.unknown_keys.is_empty(), "{:?}", c.unknown_keys);
}

#[test]
fn service_principal_needs_its_keys() {
    let msg = error(json!({"host": "h", "database": "d",
        "authentication": {"auth_type": "active_directory_service_principal",
            "client_id": "app-1", "client_secret": CLIENT_SECRET}}));
    assert!(
        msg.contains("`authentication.tenant_id` is missing"),
        "{msg}"
    );
    assert!(!msg.contains(CLIENT_SECRET));
    let msg = error(json!({"host": "h", "database": "d",
        "authentication": {"auth_type": "active_directory_service_principal",
            "client_id": "app-1", "tenant_id": "t", "authority": "login.example"}}));
    assert!(
        msg.contains("`authentication.client_secret` is missing"),
        "{msg}"
    );
}

#[test]
fn mage_service_principal() {
    let value = json!({"host": "h", "database": "d", "authentication": "ActiveDirectoryServicePrincipal",
        "username": "app-2", "password": CLIENT_SECRET, "tenant_id": "t-2",
        "authority": "https://login.microsoftonline.us/"});
    let c = Config::from_value(&value).unwrap();
    let Authentication::ServicePrincipal {
        tenant_id,
        client_id,
        client_secret,
        authority,
    } = &c.authentication
    else {
        panic!("{:?}", c.authentication)
    };
    assert_eq!((tenant_id.as_str(), client_id.as_str()), ("t-2", "app-2"));
    assert_eq!(client_secret.expose(), CLIENT_SECRET);
    assert_eq!(authority, "https://login.microsoftonline.us");
    assert!(c.unknown_keys.is_empty(), "{:?}", c.unknown_keys);
    let msg = error(json!({"host": "h", "database": "d",
        "authentication": "ActiveDirectoryServicePrincipal", "username": "a", "password": "p"}));
    assert!(msg.contains("`tenant_id` is missing"), "{msg}");
    let msg = error(json!({"host": "h", "database": "d", "authentication": "Kerberos"}));
    assert!(msg.contains("\"Kerberos\""), "{msg}");
}

#[test]
fn managed_identity_and_access_token() {
    let c = Config::from_value(&json!({"host": "h", "database": "d",
        "authentication": {"auth_type": "active_directory_managed_identity"}}))
    .unwrap();
    assert_eq!(
        c.authentication,
        Authentication::ManagedIdentity {
            client_id: None,
            endpoint: DEFAULT_MSI_ENDPOINT.into()
        }
    );
    let c = Config::from_value(&json!({"host": "h", "database": "d",
        "authentication": {"auth_type": "active_directory_managed_identity",
            "msi_client_id": "mi-1", "msi_endpoint": "http://127.0.0.1:9/token"}}))
    .unwrap();
    assert_eq!(
        c.authentication,
        Authentication::ManagedIdentity {
            client_id: Some("mi-1".into()),
            endpoint: "http://127.0.0.1:9/token".into()
        }
    );
    let c = Config::from_value(&json!({"host": "h", "database": "d",
        "authentication": {"auth_type": "access_token", "access_token": "eyJ-TOKEN"}}))
    .unwrap();
    assert_eq!(
        c.authentication,
        Authentication::AccessToken(Secret::new("eyJ-TOKEN"))
    );
    assert!(!format!("{c:?}").contains("eyJ-TOKEN"));
}

#[test]
fn strict_and_jdbc_encrypt() {
    let c = Config::from_value(&with(json!({"ssl_mode": {"mode": "encrypted_strict",
        "hostNameInCertificate": "sql.internal"}})))
    .unwrap();
    assert_eq!(
        c.tls,
        Tls::Strict(Verify {
            host_name_in_certificate: Some("sql.internal".into()),
            certificate: None
        })
    );
    let tls = |params: &str| {
        Config::from_value(&with(json!({"jdbc_url_params": params})))
            .unwrap()
            .tls
    };
    assert_eq!(tls("encrypt=false"), Tls::Unencrypted);
    assert_eq!(
        tls("encrypt=true&trustServerCertificate=true"),
        Tls::TrustServerCertificate
    );
    assert_eq!(
        tls("encrypt=true&hostNameInCertificate=a.b"),
        Tls::VerifyCertificate(Verify {
            host_name_in_certificate: Some("a.b".into()),
            certificate: None
        })
    );
    assert_eq!(tls("encrypt=strict"), Tls::Strict(Verify::default()));
    let msg = error(with(json!({"jdbc_url_params": "encrypt=true",
                                "ssl_mode": {"mode": "unencrypted"}})));
    assert!(msg.contains("remove `encrypt`"), "{msg}");
    // They may agree.
    let c = Config::from_value(&with(json!({"jdbc_url_params": "encrypt=strict",
        "ssl_mode": {"mode": "encrypted_strict"}})))
    .unwrap();
    assert_eq!(c.tls.name(), "encrypted_strict");
}

#[test]
fn azure_hosts_default_to_verified_unless_told() {
    let azure = json!({"host": "srv.database.windows.net", "database": "d", "username": "u"});
    assert_eq!(
        Config::from_value(&azure).unwrap().tls,
        Tls::VerifyCertificate(Verify::default())
    );
    let mut told = azure.clone();
    told["ssl_mode"] = json!({"mode": "encrypted_trust_server_certificate"});
    assert_eq!(
        Config::from_value(&told).unwrap().tls,
        Tls::TrustServerCertificate
    );
}

#[test]
fn certificate_must_be_pem() {
    let msg = error(with(
        json!({"ssl_mode": {"mode": "encrypted_verify_certificate",
        "certificate": "not a cert"}}),
    ));
    assert!(msg.contains("is not a PEM certificate"), "{msg}");
    assert!(!msg.contains("not a cert"), "{msg}");
}

#[test]
fn connect_retry_seconds() {
    let c = Config::from_value(&minimal()).unwrap();
    assert_eq!(c.connect_retry, Duration::from_secs(60));
    let c = Config::from_value(&with(json!({"connect_retry_seconds": 0}))).unwrap();
    assert_eq!(c.connect_retry, Duration::ZERO);
}

#[test]
fn ssl_mode_current_spelling() {
    let c = Config::from_value(&with(json!({"ssl_mode": {"mode": "unencrypted"}}))).unwrap();
    assert_eq!(c.tls, Tls::Unencrypted);
    let c = Config::from_value(&with(
        json!({"ssl_mode": {"mode": "encrypted_trust_server_certificate"}}),
    ))
    .unwrap();
    assert_eq!(c.tls, Tls::TrustServerCertificate);
}

#[test]
fn ssl_mode_and_method_must_agree() {
    let msg = error(with(json!({
        "ssl_mode": {"mode": "unencrypted"},
        "ssl_method": {"ssl_method": "encrypted_trust_server_certificate"}})));
    assert!(msg.contains("keep `ssl_mode`"), "{msg}");
}

#[test]
fn unknown_ssl_mode() {
    let msg = error(with(json!({"ssl_mode": {"mode": "maybe"}})));
    assert!(msg.contains("`ssl_mode.mode` is \"maybe\""), "{msg}");
}

#[test]
fn missing_keys_are_named() {
    for key in ["host", "database", "username"] {
        let mut value = minimal();
        value.as_object_mut().unwrap().remove(key);
        let msg = error(value);
        assert!(
            msg.starts_with(&format!("config: `{key}` is missing")),
            "{msg}"
        );
    }
}

#[test]
fn mistyped_values_are_named() {
    let cases = [
        (
            json!({"port": "abc"}),
            "config: `port` must be an integer from 1 to 65535, got \"abc\"",
        ),
        (
            json!({"port": 70000}),
            "`port` must be an integer from 1 to 65535, got 70000",
        ),
        (json!({"host": 5}), "`host` must be a string, got 5"),
        (json!({"host": "  "}), "`host` must not be empty"),
        (
            json!({"schemas": "dbo"}),
            "`schemas` must be an array of strings",
        ),
        (json!({"schemas": []}), "`schemas` is empty"),
        (
            json!({"concurrency": 0}),
            "`concurrency` must be an integer from 1 to 32",
        ),
        (
            json!({"checkpoint_target_interval_seconds": -5}),
            "must be an integer of at least 1",
        ),
        (
            json!({"ssl_mode": "unencrypted"}),
            "`ssl_mode` must be an object",
        ),
        (
            json!({"password": 42}),
            "`password` must be a string, got a number",
        ),
    ];
    for (extra, expected) in cases {
        let msg = error(with(extra.clone()));
        assert!(msg.contains(expected), "{extra}: {msg}");
    }
}

#[test]
fn cdc_is_refused() {
    let msg = error(with(json!({"replication_method": {"method": "CDC"}})));
    assert!(msg.contains("CDC is not supported"), "{msg}");
    let c = Config::from_value(&with(json!({"replication_method": "STANDARD"})));
    assert!(c.is_ok());
}

#[test]
fn tunnel_validation() {
    let msg = error(with(
        json!({"tunnel_method": {"tunnel_method": "SSH_KEY_AUTH",
        "tunnel_host": "bastion", "tunnel_user": "ops"}}),
    ));
    assert!(msg.contains("`tunnel_method.ssh_key` is missing"), "{msg}");
    let msg = error(with(
        json!({"tunnel_method": {"tunnel_method": "SSH_PASSWORD_AUTH",
        "tunnel_host": "bastion", "tunnel_port": 0, "tunnel_user": "ops",
        "tunnel_user_password": PASSWORD}}),
    ));
    assert!(
        msg.contains("`tunnel_method.tunnel_port` must be an integer"),
        "{msg}"
    );
    let msg = error(with(json!({"tunnel_method": {"tunnel_method": "VPN"}})));
    assert!(msg.contains("\"VPN\""), "{msg}");
    let c = Config::from_value(&with(
        json!({"tunnel_method": {"tunnel_method": "NO_TUNNEL"}}),
    ));
    assert_eq!(c.unwrap().tunnel, Tunnel::None);
}

#[test]
fn known_host_key_is_checked_when_read() {
    let tunnel = |pin: &str| {
        with(
            json!({"tunnel_method": {"tunnel_method": "SSH_PASSWORD_AUTH",
            "tunnel_host": "b", "tunnel_user": "u", "tunnel_user_password": "x",
            "known_host_key": pin}}),
        )
    };
    let pin = "SHA256:d+g5QP/SynCi4422BqSevAOiPYhgRen9bJDn5SNbRbo";
    let c = Config::from_value(&tunnel(pin)).unwrap();
    let Tunnel::SshPassword { known_host_key, .. } = &c.tunnel else {
        panic!("expected a password tunnel, got {:?}", c.tunnel)
    };
    assert_eq!(known_host_key.as_ref().map(|k| k.shown()), Some(pin.into()));
    assert!(c.unknown_keys.is_empty(), "{:?}", c.unknown_keys);
    let msg = error(tunnel("bastion.example"));
    assert!(msg.contains("`tunnel_method.known_host_key`"), "{msg}");
}

#[test]
fn unknown_keys_are_collected_for_a_warning() {
    let c = Config::from_value(&with(json!({
        "hots": "typo",
        "ssl_method": {"ssl_method": "unencrypted", "trustStorePassword": "x"},
        "jdbc_url_params": "sendTimeAsDatetime=false"})))
    .unwrap();
    assert_eq!(
        c.unknown_keys,
        vec!["hots", "ssl_method.trustStorePassword"]
    );
    let warning = c.ignored_warning().unwrap();
    assert!(warning.contains("`hots`"), "{warning}");
    assert!(warning.contains("`sendTimeAsDatetime`"), "{warning}");
}

#[test]
fn null_means_unset() {
    let c = Config::from_value(&with(json!({"port": null, "jdbc_url_params": null}))).unwrap();
    assert_eq!(c.port, 1433);
}

#[test]
fn malformed_json() {
    let err = Config::parse(&format!("{{\"password\": \"{PASSWORD}\",")).unwrap_err();
    assert!(err
        .message
        .starts_with("config: the config file is not valid JSON"));
    assert!(!err.message.contains(PASSWORD));
    let err = Config::parse("[1]").unwrap_err();
    assert!(err.message.contains("must be a JSON object, got an array"));
}

#[test]
fn debug_redacts_every_secret() {
    let c = Config::from_value(&with(json!({
        "ssl_method": {"ssl_method": "encrypted_verify_certificate",
                       "certificate": "-----BEGIN CERTIFICATE-----CERTSECRET"},
        "tunnel_method": {"tunnel_method": "SSH_PASSWORD_AUTH", "tunnel_host": "b",
                          "tunnel_user": "u", "tunnel_user_password": "TUNNELSECRET"}})))
    .unwrap();
    let debug = format!("{c:?} {c:#?}");
    for secret in [PASSWORD, "CERTSECRET", "TUNNELSECRET"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains("***"));
}
