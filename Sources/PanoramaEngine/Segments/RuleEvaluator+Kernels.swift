/// The inner loops of the vector evaluator. Each works on `n` words (`64 n` rows) of raw
/// pointers: a value vector is `Int64`s plus validity words, a condition is TRUE words plus
/// FALSE words. Operations are generic over caseless enums so that each loop is specialised with
/// the operation inlined: no closure, enum or allocation per row.
enum RuleKernels {
    // MARK: Values

    /// `out = K(a, b)` row by row; NULL where an operand is NULL or the operation overflows.
    static func binary<K: BinaryKernel>(
        _: K.Type, _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ b: UnsafePointer<Int64>,
        _ vb: UnsafePointer<UInt64>, _ out: UnsafeMutablePointer<Int64>, _ valid: UnsafeMutablePointer<UInt64>,
        _ n: Int
    ) {
        for w in 0..<n {
            let known = va[w] & vb[w]
            if known == 0 {
                valid[w] = 0
                continue
            }
            let pa = a + w &<< 6
            let pb = b + w &<< 6
            let po = out + w &<< 6
            var bad: UInt64 = 0
            for j in 0..<64 {
                let (value, overflow) = K.apply(pa[j], pb[j])
                po[j] = value
                bad |= (overflow ? 1 : 0) &<< UInt64(j)
            }
            valid[w] = known & ~bad
        }
    }

    /// `out = K(a, k)` row by row; NULL where `a` is NULL or the operation overflows.
    static func unary<K: UnaryKernel>(
        _: K.Type, _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ k: Int64,
        _ out: UnsafeMutablePointer<Int64>, _ valid: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        for w in 0..<n {
            let known = va[w]
            if known == 0 {
                valid[w] = 0
                continue
            }
            let pa = a + w &<< 6
            let po = out + w &<< 6
            var bad: UInt64 = 0
            for j in 0..<64 {
                let (value, overflow) = K.apply(pa[j], k)
                po[j] = value
                bad |= (overflow ? 1 : 0) &<< UInt64(j)
            }
            valid[w] = known & ~bad
        }
    }

    /// Row by row, the first operand that is not NULL.
    static func coalesce(
        _ operands: [Int], _ values: UnsafePointer<UnsafePointer<Int64>>,
        _ validity: UnsafePointer<UnsafePointer<UInt64>>,
        _ out: UnsafeMutablePointer<Int64>, _ valid: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        out.update(from: values[operands[0]], count: n &<< 6)
        valid.update(from: validity[operands[0]], count: n)
        for operand in operands.dropFirst() {
            let b = values[operand]
            let vb = validity[operand]
            for w in 0..<n {
                var take = ~valid[w] & vb[w]
                while take != 0 {
                    let i = w &<< 6 | take.trailingZeroBitCount
                    out[i] = b[i]
                    take &= take &- 1
                }
                valid[w] |= vb[w]
            }
        }
    }

    /// Codes mapped through `table`; codes outside it map to its last entry.
    static func lookup(
        _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ table: UnsafeBufferPointer<Int64>,
        _ out: UnsafeMutablePointer<Int64>, _ valid: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        let last = UInt64(table.count - 1)
        let entries = table.baseAddress!
        for i in 0..<(n &<< 6) { out[i] = entries[Int(truncatingIfNeeded: min(UInt64(bitPattern: a[i]), last))] }
        valid.update(from: va, count: n)
    }

    /// A condition as 1/0 values, NULL where UNKNOWN.
    static func booleanValue(
        _ t: UnsafePointer<UInt64>, _ f: UnsafePointer<UInt64>?, _ out: UnsafeMutablePointer<Int64>,
        _ valid: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        for w in 0..<n {
            let word = t[w]
            let po = out + w &<< 6
            for j in 0..<64 { po[j] = Int64(truncatingIfNeeded: (word &>> UInt64(j)) & 1) }
            valid[w] = f.map { word | $0[w] } ?? ~0
        }
    }

    // MARK: Conditions

    /// `a op b` row by row; UNKNOWN where an operand is NULL.
    static func compare(
        _ op: Comparison, _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ b: UnsafePointer<Int64>,
        _ vb: UnsafePointer<UInt64>, _ t: UnsafeMutablePointer<UInt64>, _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        switch op {
        case .equal: compare(Equal.self, a, va, b, vb, t, f, n)
        case .notEqual: compare(NotEqual.self, a, va, b, vb, t, f, n)
        case .less: compare(Less.self, a, va, b, vb, t, f, n)
        case .lessOrEqual: compare(LessOrEqual.self, a, va, b, vb, t, f, n)
        case .greater: compare(Less.self, b, vb, a, va, t, f, n)
        case .greaterOrEqual: compare(LessOrEqual.self, b, vb, a, va, t, f, n)
        }
    }

    private static func compare<P: PredicateKernel>(
        _: P.Type, _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ b: UnsafePointer<Int64>,
        _ vb: UnsafePointer<UInt64>, _ t: UnsafeMutablePointer<UInt64>, _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        for w in 0..<n {
            let pa = a + w &<< 6
            let pb = b + w &<< 6
            var bits: UInt64 = 0
            for j in 0..<64 { bits |= (P.test(pa[j], pb[j]) ? 1 : 0) &<< UInt64(j) }
            let known = va[w] & vb[w]
            t[w] = known & bits
            f[w] = known & ~bits
        }
    }

    /// `a op constant` row by row, bits straight from the values; UNKNOWN where `a` is NULL.
    static func compare(
        _ op: Comparison, _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ constant: Int64,
        _ t: UnsafeMutablePointer<UInt64>, _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        switch op {
        case .equal: compare(Equal.self, a, va, constant, t, f, n)
        case .notEqual: compare(NotEqual.self, a, va, constant, t, f, n)
        case .less: compare(Less.self, a, va, constant, t, f, n)
        case .lessOrEqual: compare(LessOrEqual.self, a, va, constant, t, f, n)
        case .greater: compare(Greater.self, a, va, constant, t, f, n)
        case .greaterOrEqual: compare(GreaterOrEqual.self, a, va, constant, t, f, n)
        }
    }

    private static func compare<P: PredicateKernel>(
        _: P.Type, _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ constant: Int64,
        _ t: UnsafeMutablePointer<UInt64>, _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        for w in 0..<n {
            let pa = a + w &<< 6
            var bits: UInt64 = 0
            for j in 0..<64 { bits |= (P.test(pa[j], constant) ? 1 : 0) &<< UInt64(j) }
            let known = va[w]
            t[w] = known & bits
            f[w] = known & ~bits
        }
    }

    /// `low <= x AND x <= high` as one unsigned comparison: `x - low <= high - low`.
    static func between(
        _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ low: Int64, _ high: Int64,
        _ t: UnsafeMutablePointer<UInt64>, _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        guard low <= high else {
            t.update(repeating: 0, count: n)
            f.update(from: va, count: n)
            return
        }
        let width = UInt64(bitPattern: high &- low)
        for w in 0..<n {
            let pa = a + w &<< 6
            var bits: UInt64 = 0
            for j in 0..<64 { bits |= (UInt64(bitPattern: pa[j] &- low) <= width ? 1 : 0) &<< UInt64(j) }
            let known = va[w]
            t[w] = known & bits
            f[w] = known & ~bits
        }
    }

    /// `x IN set` (sorted, distinct); with `orUnknown` a row matching nothing is UNKNOWN.
    static func inSet(
        _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ set: UnsafeBufferPointer<Int64>,
        orUnknown: Bool, _ t: UnsafeMutablePointer<UInt64>, _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        for w in 0..<n {
            let pa = a + w &<< 6
            var bits: UInt64 = 0
            if set.count <= 8 {
                for item in set {
                    for j in 0..<64 { bits |= (pa[j] == item ? 1 : 0) &<< UInt64(j) }
                }
            } else {
                for j in 0..<64 {
                    var low = 0
                    var high = set.count
                    let value = pa[j]
                    while low < high {
                        let middle = (low + high) &>> 1
                        if set[middle] < value { low = middle + 1 } else { high = middle }
                    }
                    bits |= (low < set.count && set[low] == value ? 1 : 0) &<< UInt64(j)
                }
            }
            let known = va[w]
            t[w] = known & bits
            f[w] = orUnknown ? 0 : known & ~bits
        }
    }

    /// A predicate decided per string code: `table` holds `Truth` raw values (bit 0 TRUE,
    /// bit 1 FALSE); codes past its end map to its last entry.
    static func codeTable(
        _ a: UnsafePointer<Int64>, _ va: UnsafePointer<UInt64>, _ table: UnsafeBufferPointer<UInt8>,
        _ t: UnsafeMutablePointer<UInt64>, _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        let last = UInt64(table.count - 1)
        let entries = table.baseAddress!
        for w in 0..<n {
            let known = va[w]
            if known == 0 {
                t[w] = 0
                f[w] = 0
                continue
            }
            let pa = a + w &<< 6
            var yes: UInt64 = 0
            var no: UInt64 = 0
            for j in 0..<64 {
                let entry = UInt64(entries[Int(truncatingIfNeeded: min(UInt64(bitPattern: pa[j]), last))])
                yes |= (entry & 1) &<< UInt64(j)
                no |= (entry &>> 1) &<< UInt64(j)
            }
            t[w] = known & yes
            f[w] = known & no
        }
    }

    /// LIKE where both the subject and the pattern vary by row (string codes into the lists).
    static func like(
        _ s: UnsafePointer<Int64>, _ vs: UnsafePointer<UInt64>, _ subjects: [String], _ p: UnsafePointer<Int64>,
        _ vp: UnsafePointer<UInt64>, _ patterns: [LikePattern], _ t: UnsafeMutablePointer<UInt64>,
        _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        for w in 0..<n {
            var known = vs[w] & vp[w]
            var yes: UInt64 = 0
            var no: UInt64 = 0
            while known != 0 {
                let j = known.trailingZeroBitCount
                known &= known &- 1
                let subject = s[w &<< 6 | j]
                let pattern = p[w &<< 6 | j]
                guard (0..<Int64(subjects.count)).contains(subject), (0..<Int64(patterns.count)).contains(pattern)
                else { continue }
                if patterns[Int(pattern)].matches(subjects[Int(subject)]) {
                    yes |= 1 &<< UInt64(j)
                } else {
                    no |= 1 &<< UInt64(j)
                }
            }
            t[w] = yes
            f[w] = no
        }
    }

    /// `birthday_within` of local days and windows, with the days until each month-day given.
    static func birthday(
        _ d: UnsafePointer<Int64>, _ vd: UnsafePointer<UInt64>, _ window: UnsafePointer<Int64>,
        _ vw: UnsafePointer<UInt64>, _ offsets: [Int16], _ t: UnsafeMutablePointer<UInt64>,
        _ f: UnsafeMutablePointer<UInt64>, _ n: Int
    ) {
        for w in 0..<n {
            var known = vd[w] & vw[w]
            var yes: UInt64 = 0
            var no: UInt64 = 0
            while known != 0 {
                let j = known.trailingZeroBitCount
                known &= known &- 1
                let days = window[w &<< 6 | j]
                guard days >= 0, let index = RuleSemantics.monthDayIndex(ofDay: d[w &<< 6 | j]) else { continue }
                if Int64(offsets[index]) <= days {
                    yes |= 1 &<< UInt64(j)
                } else {
                    no |= 1 &<< UInt64(j)
                }
            }
            t[w] = yes
            f[w] = no
        }
    }
}

// MARK: - Operations

/// A two-operand operation on encoded values: the result and whether it overflowed (→ NULL).
protocol BinaryKernel {
    static func apply(_ a: Int64, _ b: Int64) -> (Int64, Bool)
}

/// A one-operand operation with a constant parameter `k`.
protocol UnaryKernel {
    static func apply(_ a: Int64, _ k: Int64) -> (Int64, Bool)
}

/// A comparison of two encoded values.
protocol PredicateKernel {
    static func test(_ a: Int64, _ b: Int64) -> Bool
}

/// `a + b`.
enum AddKernel: BinaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> (Int64, Bool) {
        let r = a.addingReportingOverflow(b)
        return (r.partialValue, r.overflow)
    }
}

/// `a - b`.
enum SubtractKernel: BinaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> (Int64, Bool) {
        let r = a.subtractingReportingOverflow(b)
        return (r.partialValue, r.overflow)
    }
}

/// `a * b` of integers.
enum MultiplyKernel: BinaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> (Int64, Bool) {
        let r = a.multipliedReportingOverflow(by: b)
        return (r.partialValue, r.overflow)
    }
}

/// `(a * b) / 10⁴`, truncated toward zero.
enum MultiplyDecimalKernel: BinaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> (Int64, Bool) {
        let r = a.multipliedReportingOverflow(by: b)
        return (r.partialValue / RuleSemantics.decimalScale, r.overflow)
    }
}

/// `(a * 10⁴) / b`, truncated toward zero; division by zero is NULL.
enum DivideDecimalKernel: BinaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> (Int64, Bool) {
        let scaled = a.multipliedReportingOverflow(by: RuleSemantics.decimalScale)
        let zero = b == 0
        let q = scaled.partialValue.dividedReportingOverflow(by: zero ? 1 : b)
        return (q.partialValue, scaled.overflow || q.overflow || zero)
    }
}

/// `a * k`: an integer made decimal.
enum ScaleKernel: UnaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ k: Int64) -> (Int64, Bool) {
        let r = a.multipliedReportingOverflow(by: k)
        return (r.partialValue, r.overflow)
    }
}

/// `a * 86400 - k`: the timestamp at which local day `a` starts, `k` the UTC offset.
enum TimestampOfDayKernel: UnaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ k: Int64) -> (Int64, Bool) {
        let seconds = a.multipliedReportingOverflow(by: RuleSemantics.secondsPerDay)
        let r = seconds.partialValue.subtractingReportingOverflow(k)
        return (r.partialValue, seconds.overflow || r.overflow)
    }
}

/// `floor((a + k) / 86400)`: the local day of timestamp `a`, `k` the UTC offset.
enum LocalDayKernel: UnaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ k: Int64) -> (Int64, Bool) {
        let local = a.addingReportingOverflow(k)
        let s = local.partialValue
        let q = s / RuleSemantics.secondsPerDay
        return (q - (s - q * RuleSemantics.secondsPerDay < 0 ? 1 : 0), local.overflow)
    }
}

/// String codes moved by `k` (codes are small: no overflow).
enum ShiftKernel: UnaryKernel {
    @inline(__always) static func apply(_ a: Int64, _ k: Int64) -> (Int64, Bool) { (a &+ k, false) }
}

/// `a = b`.
enum Equal: PredicateKernel {
    @inline(__always) static func test(_ a: Int64, _ b: Int64) -> Bool { a == b }
}

/// `a != b`.
enum NotEqual: PredicateKernel {
    @inline(__always) static func test(_ a: Int64, _ b: Int64) -> Bool { a != b }
}

/// `a < b`.
enum Less: PredicateKernel {
    @inline(__always) static func test(_ a: Int64, _ b: Int64) -> Bool { a < b }
}

/// `a <= b`.
enum LessOrEqual: PredicateKernel {
    @inline(__always) static func test(_ a: Int64, _ b: Int64) -> Bool { a <= b }
}

/// `a > b`.
enum Greater: PredicateKernel {
    @inline(__always) static func test(_ a: Int64, _ b: Int64) -> Bool { a > b }
}

/// `a >= b`.
enum GreaterOrEqual: PredicateKernel {
    @inline(__always) static func test(_ a: Int64, _ b: Int64) -> Bool { a >= b }
}
