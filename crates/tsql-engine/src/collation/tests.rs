use super::*;

fn sorted(mut v: Vec<&str>, cmp: fn(&str, &str) -> Ordering) -> Vec<&str> {
    v.sort_by(|a, b| cmp(a, b));
    v
}

#[test]
fn ci_as_ignores_case_and_trailing_spaces_not_accents() {
    assert_eq!(ci_as("abc", "ABC"), Ordering::Equal);
    assert_eq!(ci_as("abc  ", "ABC"), Ordering::Equal);
    assert_ne!(ci_as(" abc", "abc"), Ordering::Equal);
    assert_ne!(ci_as("café", "cafe"), Ordering::Equal);
    assert_eq!(ci_as("ÉCOLE", "école"), Ordering::Equal);
    assert_eq!(ci_as("ΣΊΣΥΦΟΣ", "σίσυφοσ"), Ordering::Equal);
    assert_eq!(
        sorted(vec!["b", "C", "a", "B ", "A"], ci_as),
        vec!["a", "A", "b", "B ", "C"]
    );
    assert_eq!(ci_as("ab", "abc"), Ordering::Less);
    // Accents sort with their letter and only break ties.
    assert_eq!(
        sorted(
            vec!["f", "école", "ecole", "Zoë", "zoe", "Ärger", "b"],
            ci_as
        ),
        vec!["Ärger", "b", "ecole", "école", "f", "zoe", "Zoë"]
    );
    assert_eq!(ci_as("Łódź", "lodz"), Ordering::Greater);
    assert_eq!(ci_as("Łódź", "lodzz"), Ordering::Less);
}

#[test]
fn decimals_compare_by_value() {
    assert_eq!(
        sorted(vec!["10", "2", "-9.5", "-10", "0.00", "-0.01"], decimal_cmp),
        vec!["-10", "-9.5", "-0.01", "0.00", "2", "10"]
    );
    assert_eq!(decimal_cmp("5", "5.00"), Ordering::Equal);
    assert_eq!(decimal_cmp("-0", "0.0"), Ordering::Equal);
    assert_eq!(decimal_cmp("123.45", "123.46"), Ordering::Less);
    assert_eq!(decimal_cmp("-123.45", "-123.46"), Ordering::Greater);
    assert_eq!(
        decimal_cmp("1.0e+20", "99999999999999999999"),
        Ordering::Greater
    );
    // Unparsable text sorts after numbers and among itself by bytes.
    assert_eq!(decimal_cmp("abc", "5"), Ordering::Greater);
    assert_eq!(decimal_cmp("abc", "abd"), Ordering::Less);
    let big = "9".repeat(38);
    assert_eq!(decimal_cmp(&big, "1"), Ordering::Greater);
}

#[test]
fn datetimes_compare_by_instant_across_forms() {
    let canon = "2024-01-01 10:00:00.0000000";
    assert_eq!(datetime_cmp(canon, "2024-01-01T10:00"), Ordering::Equal);
    assert_eq!(
        datetime_cmp(canon, "2024-01-01T09:59:59.9999999"),
        Ordering::Greater
    );
    assert_eq!(
        datetime_cmp("2024-01-01", "2024-01-01 00:00:00.0000000"),
        Ordering::Equal
    );
    assert_eq!(datetime_cmp("2024-01-02", "20240101"), Ordering::Greater);
    assert_eq!(datetime_cmp("10:00:00.0000000", "9:30"), Ordering::Greater);
    assert_eq!(datetime_cmp("junk", canon), Ordering::Greater);
    assert_eq!(
        sorted(
            vec!["2024-03-01", "Jan 5 2024", "2023-12-31 23:59:59.0000000"],
            datetime_cmp
        ),
        vec!["2023-12-31 23:59:59.0000000", "Jan 5 2024", "2024-03-01"]
    );
}

#[test]
fn datetimeoffsets_compare_by_utc_instant() {
    let a = "2024-01-01 10:00:00.0000000 +01:00";
    let b = "2024-01-01 09:00:00.0000000 +00:00";
    let c = "2024-01-01 09:30:00.0000000 +01:00";
    assert_eq!(datetimeoffset_cmp(a, b), Ordering::Equal);
    assert_eq!(datetimeoffset_cmp(c, b), Ordering::Less);
    assert_eq!(
        datetimeoffset_cmp("2024-01-01T09:00:00Z", a),
        Ordering::Equal
    );
    assert_eq!(
        datetimeoffset_cmp("2024-01-01 05:00:00.0000000 -05:00", a),
        Ordering::Greater
    );
}

#[test]
fn guids_sort_like_sql_server() {
    // The last six bytes are most significant, then bytes 8-9, then 6-7, 4-5, 0-3.
    let v = vec![
        "00000000-0000-0000-0000-010000000000",
        "00000000-0000-0000-0100-000000000000",
        "00000000-0000-0100-0000-000000000000",
        "00000000-0100-0000-0000-000000000000",
        "01000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-000000000001",
    ];
    assert_eq!(
        sorted(v, guid_cmp),
        vec![
            "01000000-0000-0000-0000-000000000000",
            "00000000-0100-0000-0000-000000000000",
            "00000000-0000-0100-0000-000000000000",
            "00000000-0000-0000-0100-000000000000",
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-0000-0000-010000000000",
        ]
    );
    assert_eq!(
        guid_cmp(
            "{6f9619ff-8b86-d011-b42d-00c04fc964ff}",
            "6F9619FF-8B86-D011-B42D-00C04FC964FF"
        ),
        Ordering::Equal
    );
}

#[test]
fn collations_work_inside_sqlite() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    register(&conn).unwrap();
    conn.execute_batch(
        "CREATE TABLE t (name TEXT COLLATE MSSQL_CI_AS, amount TEXT COLLATE MSSQL_DECIMAL);
         INSERT INTO t VALUES ('bob', '10.00'), ('Alice', '-9.50'), ('carol', '2.00');",
    )
    .unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM t WHERE amount > 5 OR name = 'ALICE' ORDER BY amount")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, vec!["Alice", "bob"]);
}

/// Each collation is a total order: antisymmetric and transitive over mixed input.
#[test]
fn orders_are_total_and_consistent() {
    let samples = [
        "",
        " ",
        "a",
        "A",
        "a ",
        "b",
        "é",
        "E",
        "10",
        "9.5",
        "-9.5",
        "-10",
        "2",
        "2.00",
        "0",
        "-0",
        "1e3",
        "abc",
        "2024-01-01",
        "2024-01-01 00:00:00.0000000",
        "20240101",
        "2024-01-01T10:00",
        "10:00",
        "2024-01-01 10:00:00.0000000 +01:00",
        "2024-01-01 09:00:00.0000000 +00:00",
        "00000000-0000-0000-0000-000000000001",
        "{00000000-0000-0000-0000-000000000001}",
        "Jan 1 2024",
    ];
    let collations: [fn(&str, &str) -> Ordering; 5] = [
        ci_as,
        decimal_cmp,
        datetime_cmp,
        datetimeoffset_cmp,
        guid_cmp,
    ];
    for cmp in collations {
        for a in samples {
            assert_eq!(cmp(a, a), Ordering::Equal, "{a}");
            for b in samples {
                assert_eq!(cmp(a, b), cmp(b, a).reverse(), "{a} vs {b}");
                for c in samples {
                    if cmp(a, b) != Ordering::Greater && cmp(b, c) != Ordering::Greater {
                        assert_ne!(cmp(a, c), Ordering::Greater, "{a} <= {b} <= {c}");
                    }
                }
            }
        }
    }
}
