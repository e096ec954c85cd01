//! BEGIN TRY / BEGIN CATCH: errors in the TRY block go to the CATCH block unreported.

mod common;

use common::*;

#[test]
fn catch_handles_the_error() {
    let e = engine();
    let mut s = session(&e);
    ok(&mut s, "CREATE TABLE t (id int PRIMARY KEY)");
    let c = run(
        &mut s,
        "BEGIN TRY
            INSERT INTO t VALUES (1);
            INSERT INTO t VALUES (1);
            INSERT INTO t VALUES (2);
        END TRY
        BEGIN CATCH
            SELECT ERROR_NUMBER() AS n, ERROR_MESSAGE() AS m, ERROR_SEVERITY() AS sev;
        END CATCH
        SELECT COUNT(*) FROM t",
    );
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.results.len(), 2);
    let caught = &c.results[0].rows[0];
    assert_eq!(show(&caught[0]), "2627");
    assert!(show(&caught[1]).starts_with("Violation of PRIMARY KEY constraint"));
    assert_eq!(show(&caught[2]), "14");
    assert_eq!(show(&c.results[1].rows[0][0]), "1");
    // Outside a CATCH block the functions are NULL.
    assert_eq!(scalar(&mut s, "SELECT ERROR_MESSAGE()"), "NULL");
}

#[test]
fn no_error_skips_catch_and_throw_rethrows() {
    let e = engine();
    let mut s = session(&e);
    let c = ok(
        &mut s,
        "BEGIN TRY SELECT 1 AS a END TRY BEGIN CATCH SELECT 2 AS b END CATCH",
    );
    assert_eq!(rows(&c), vec![vec!["1"]]);
    let c = run(
        &mut s,
        "BEGIN TRY
            THROW 50001, 'custom', 3;
        END TRY
        BEGIN CATCH
            PRINT 'caught';
            THROW;
        END CATCH
        SELECT 'not reached'",
    );
    assert_eq!(c.infos[0].message, "caught");
    assert_eq!(c.errors.len(), 1);
    assert_eq!(c.errors[0].number, 50001);
    assert_eq!(c.errors[0].message, "custom");
    assert!(c.results.is_empty());
    // A conversion error in a nested TRY is caught by the inner CATCH.
    let c = ok(
        &mut s,
        "BEGIN TRY
            BEGIN TRY SELECT CAST('x' AS int) END TRY
            BEGIN CATCH SELECT ERROR_NUMBER() END CATCH
        END TRY
        BEGIN CATCH SELECT -1 END CATCH",
    );
    assert_eq!(rows(&c), vec![vec!["245"]]);
}
