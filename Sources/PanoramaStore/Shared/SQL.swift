import PanoramaCore

/// The SQL dialects Panorama's stores speak.
public enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// A value bound to a statement parameter.
public enum SQLValue: Sendable {
    case int(Int64)
    case text(String)
    case bool(Bool)
    case null

    /// Text, or NULL for nil.
    public static func nullable(_ value: String?) -> SQLValue { value.map { .text($0.withoutNUL) } ?? .null }
    /// An integer, or NULL for nil.
    public static func nullable(_ value: Int64?) -> SQLValue { value.map { .int($0) } ?? .null }
}

/// A statement written once for both stores: the text is built through `SQLBuilder`, which
/// writes each dialect's placeholders, lists and collations, so a query has one definition.
public struct SQLQuery: Sendable {
    public var sql: String
    public var values: [SQLValue]
}

/// Builds a `SQLQuery` piece by piece: literal SQL, bound values and the few constructs whose
/// spelling differs between SQLite and PostgreSQL.
public struct SQLBuilder {
    public let dialect: SQLDialect
    public private(set) var sql = ""
    public private(set) var values: [SQLValue] = []

    public init(_ dialect: SQLDialect, _ sql: String = "") {
        self.dialect = dialect
        self.sql = sql
    }

    public var query: SQLQuery { SQLQuery(sql: sql, values: values) }

    /// Appends literal SQL (never user input).
    public mutating func append(_ text: String) {
        sql += text
    }

    /// Appends a placeholder bound to `value`.
    public mutating func bind(_ value: SQLValue) {
        values.append(value)
        sql += dialect == .postgres ? "$\(values.count)" : "?"
    }

    public mutating func bind(_ value: Int64) { bind(.int(value)) }
    public mutating func bind(_ value: Int64?) { bind(value.map(SQLValue.int) ?? .null) }
    public mutating func bind(_ value: String) { bind(.text(value.withoutNUL)) }
    public mutating func bind(_ value: String?) { bind(value.map { SQLValue.text($0.withoutNUL) } ?? .null) }
    public mutating func bind(_ value: Bool) { bind(.bool(value)) }

    /// `column IN (…)` over text values, each bound (the stored forms of one value: `FieldProtection`).
    public mutating func inList(_ column: String, texts: [String]) {
        sql += texts.isEmpty ? "FALSE" : "\(column) IN ("
        bindList(texts.map { SQLValue.text($0.withoutNUL) })
        if !texts.isEmpty { sql += ")" }
    }

    /// Values separated by commas, each bound: the inside of `VALUES (…)`.
    public mutating func bindList(_ list: [SQLValue]) {
        for (i, value) in list.enumerated() {
            if i > 0 { sql += ", " }
            bind(value)
        }
    }

    /// `column IN (…)` over integers, written inline (they are numbers, never text).
    public mutating func inList(_ column: String, _ ids: [Int64]) {
        sql += ids.isEmpty ? "FALSE" : "\(column) IN (\(ids.map(String.init).joined(separator: ",")))"
    }

    /// A table read through a given index: SQLite's planner, without statistics, prefers a
    /// primary key whose first column alone matches (`workspace_id`) over an index matching two,
    /// which turns a look-up into a scan of the workspace; PostgreSQL chooses well by itself.
    public func table(_ name: String, alias: String? = nil, indexedBy index: String) -> String {
        let aliased = alias.map { "\(name) \($0)" } ?? name
        return dialect == .sqlite ? "\(aliased) INDEXED BY \(index)" : aliased
    }

    /// A text column compared or ordered by code point, as SQLite does by default.
    public func bytewise(_ column: String) -> String {
        dialect == .postgres ? "\(column) COLLATE \"C\"" : column
    }
}

/// One row of a result, read by column position.
public protocol SQLRow {
    func int(_ index: Int) throws -> Int64
    func optionalInt(_ index: Int) throws -> Int64?
    func text(_ index: Int) throws -> String
    func optionalText(_ index: Int) throws -> String?
    func bool(_ index: Int) throws -> Bool
}

/// A store that runs `SQLQuery`s: the shared queries (`SharedQueries.swift`) are written once
/// against this, and each store supplies its dialect and its driver.
public protocol SQLStore: Sendable {
    var dialect: SQLDialect { get }
    /// Encryption at rest of personal information, applied by the shared queries as by the store's own.
    var protection: FieldProtection { get }
    /// Runs a query and maps every row.
    func fetch<T: Sendable>(_ query: SQLQuery, _ map: @Sendable (any SQLRow) throws -> T) async throws -> [T]
    /// Runs a statement in its own transaction.
    func run(_ query: SQLQuery) async throws
    /// Runs the steps in order in one transaction and returns, for each step, the first column of
    /// its rows as integers (0 where it is not an integer). When a `required` step returns no row,
    /// everything is rolled back and the answer is nil: that is how a write checks a condition
    /// (`UPDATE … WHERE version = ? RETURNING id`) and how optimistic concurrency retries.
    func atomically(_ steps: [SQLStep]) async throws -> [[Int64]]?
}

/// One statement of an atomic batch (`SQLStore.atomically`).
public struct SQLStep: Sendable {
    public var query: SQLQuery
    /// The statement must return a row, or the whole batch is rolled back.
    public var required: Bool

    public init(_ query: SQLQuery, required: Bool = false) {
        self.query = query
        self.required = required
    }
}

/// Thrown inside a store's transaction to roll an atomic batch back.
struct RequiredStepFailed: Error {}

extension SQLStore {
    /// A builder in this store's dialect.
    public func sql(_ text: String = "") -> SQLBuilder { SQLBuilder(dialect, text) }
}
