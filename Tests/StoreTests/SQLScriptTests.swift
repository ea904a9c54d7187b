import Store
import Testing

@Suite struct SQLScriptTests {
    @Test func splitsOnTopLevelSemicolonsOnly() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'a;b', "odd;name" int);
            /* block; /* nested; */ still comment */
            INSERT INTO a VALUES ('it''s; fine');
            CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;
            CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'x;y' $body$;
            SELECT $1::int
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 5)
        #expect(statements[0].hasSuffix("CREATE TABLE a (x text DEFAULT 'a;b', \"odd;name\" int)"))
        #expect(statements[1].hasSuffix("INSERT INTO a VALUES ('it''s; fine')"))
        #expect(statements[2] == "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$")
        #expect(statements[3] == "CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'x;y' $body$")
        #expect(statements[4] == "SELECT $1::int")
    }

    @Test func dropsCommentOnlyAndEmptyStatements() {
        #expect(SQLScript.statements(";;  -- nothing\n; /* none */").isEmpty)
    }

    @Test func everyEmbeddedMigrationSplitsIntoStatements() {
        for migration in MigrationSource.embedded {
            #expect(!SQLScript.statements(migration.sql).isEmpty, "migration \(migration.version)")
        }
    }
}
