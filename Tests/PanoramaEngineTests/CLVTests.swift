import Foundation
import Testing

@testable import PanoramaEngine

/// BG/NBD and Gamma-Gamma fitted on the real CDNOW sample reproduce the published parameters.
@Suite struct CLVTests {
    /// `ID,x,t_x,T,zbar` of the 2,357 CDNOW customers (weeks), from ../shared/data.
    static func cdnow() throws -> [PurchaseSummary] {
        let shared = ProcessInfo.processInfo.environment["PANORAMA_SHARED"] ?? "../shared"
        let text = try String(
            contentsOfFile: shared + "/data/cdnow/cdnow_customers_summary_with_transactions.csv", encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",").compactMap { Double($0) }
            return f.count == 5 ? PurchaseSummary(x: f[1], tx: f[2], T: f[3], meanValue: f[4]) : nil
        }
    }

    /// Equal to two significant digits of the published value.
    static func twoDigits(_ value: Double, _ published: Double) -> Bool {
        let scale = pow(10, floor(log10(abs(published))) - 1)
        return abs(value - published) <= 0.5 * scale + 1e-12
    }

    @Test func bgnbdOnCDNOWMatchesFaderHardieLee() throws {
        let customers = try Self.cdnow()
        #expect(customers.count == 2_357)
        let started = ContinuousClock.now
        let model = BGNBD.fit(customers)
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        print(String(format: "[clv] BG/NBD fit on CDNOW: r %.4f alpha %.4f a %.4f b %.4f in %.3f s", model.r, model.alpha, model.a, model.b, seconds))
        #expect(Self.twoDigits(model.r, 0.243), "r \(model.r)")
        #expect(Self.twoDigits(model.alpha, 4.414), "alpha \(model.alpha)")
        #expect(Self.twoDigits(model.a, 0.793), "a \(model.a)")
        #expect(Self.twoDigits(model.b, 2.426), "b \(model.b)")
        // The published maximum of the log-likelihood is −9,582.4.
        let ll = customers.reduce(0) { $0 + model.logLikelihood($1) }
        #expect(abs(ll - -9582.4) < 0.5, "\(ll)")
        // P(alive) and expectations behave: a customer who bought often and recently is likely alive.
        let recent = PurchaseSummary(x: 10, tx: 38, T: 39)
        let lapsed = PurchaseSummary(x: 10, tx: 5, T: 39)
        #expect(model.probabilityAlive(recent) > 0.9 && model.probabilityAlive(lapsed) < 0.1)
        #expect(model.probabilityAlive(PurchaseSummary(x: 0, tx: 0, T: 39)) == 1)
        #expect(model.expectedPurchases(next: 39, given: recent) > model.expectedPurchases(next: 39, given: lapsed))
        // FHL 2005: a customer with x = 2, t_x = 30.43, T = 38.86 expects about 1.23 purchases in 39 weeks.
        let example = model.expectedPurchases(next: 39, given: PurchaseSummary(x: 2, tx: 30.43, T: 38.86))
        #expect(abs(example - 1.226) < 0.01, "\(example)")
    }

    @Test func gammaGammaOnCDNOWMatchesFaderHardie() throws {
        let customers = try Self.cdnow()
        #expect(customers.filter { $0.x > 0 }.count == 946)
        let model = GammaGamma.fit(customers)
        print(String(format: "[clv] Gamma-Gamma fit on CDNOW: p %.3f q %.3f gamma %.3f", model.p, model.q, model.gamma))
        #expect(Self.twoDigits(model.p, 6.25), "p \(model.p)")
        #expect(Self.twoDigits(model.q, 3.74), "q \(model.q)")
        #expect(Self.twoDigits(model.gamma, 15.44), "gamma \(model.gamma)")
        let spender = PurchaseSummary(x: 5, tx: 30, T: 39, meanValue: 60)
        let expected = model.expectedMeanValue(spender)
        #expect(expected > 35 && expected < 60)  // shrunk from 60 toward the population mean
    }

    /// Customers who all drop out with the same probability after each purchase (4 %) and buy at
    /// Gamma-distributed rates: BG/NBD's maximum likelihood lies at a, b → ∞ (a Beta without
    /// spread). Seen on a shop's data 90 days back, where the fit spent its whole budget of
    /// 6 × 20,000 iterations (≈ 240,000 likelihoods, 20 s at 15,000 buyers); the fit stops once
    /// it no longer improves instead, with a usable model.
    @Test func aLikelihoodMaximalAtInfinityStopsWhenItStalls() {
        var state: UInt64 = 12_345
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(UInt64(1) << 53)
        }
        var customers: [PurchaseSummary] = []
        for _ in 0..<6_000 {
            let T = 1 + (uniform() * 88 * 7).rounded(.down) / 7
            let rate = -log(1 - uniform()) / 8
            var (t, last, x) = (0.0, 0.0, 0.0)
            while true {
                t += -log(1 - uniform()) / rate
                if t > T { break }
                x += 1
                last = t
                if uniform() < 0.04 { break }
            }
            customers.append(PurchaseSummary(x: x, tx: (last * 7).rounded() / 7, T: T, meanValue: 0))
        }
        var evaluations = 0
        let best = NelderMead.minimize([0, 0, 0, 0]) { p in
            evaluations += 1
            // Past the bound the test fails anyway: stop paying for likelihoods.
            guard evaluations <= 10_000 else { return .infinity }
            let model = BGNBD(r: exp(p[0]), alpha: exp(p[1]), a: exp(p[2]), b: exp(p[3]))
            let total = customers.reduce(0) { $0 + model.logLikelihood($1) }
            return total.isFinite ? -total : .infinity
        }
        #expect(evaluations < 5_000, "\(evaluations) likelihoods")
        let model = BGNBD(r: exp(best[0]), alpha: exp(best[1]), a: exp(best[2]), b: exp(best[3]))
        #expect(abs(model.r - 0.99) < 0.05 && abs(model.alpha - 7.9) < 0.5, "\(model)")
        // The dropout probability a / (a + b) is the 4 % the customers were drawn with.
        #expect(abs(model.a / (model.a + model.b) - 0.04) < 0.005, "\(model)")
    }

    @Test func rocAUCByRanks() {
        #expect(ROC.auc(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) == 0.75)
        #expect(ROC.auc(scores: [1, 1, 1, 1], labels: [false, true, false, true]) == 0.5)
        #expect(ROC.auc(scores: [3, 2, 1], labels: [true, true, false]) == 1)
    }

    /// Churn on a time-based holdout: BG/NBD fitted on the first 39 weeks of every CDNOW customer
    /// (23,570, from the raw purchases), expected purchases in the next 39 weeks ranks who buys again.
    @Test func churnRiskOnATimeBasedHoldout() throws {
        let shared = ProcessInfo.processInfo.environment["PANORAMA_SHARED"] ?? "../shared"
        let text = try String(contentsOfFile: shared + "/data/cdnow/CDNOW_master.txt", encoding: .utf8)
        func day(_ yyyymmdd: Int) -> Int {
            var c = DateComponents()
            c.year = yyyymmdd / 10_000
            c.month = yyyymmdd / 100 % 100
            c.day = yyyymmdd % 100
            let calendar = Calendar(identifier: .gregorian)
            return Int(calendar.date(from: c)!.timeIntervalSince1970 / 86_400)
        }
        var days: [Int: Set<Int>] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: " ")
            guard f.count == 4, let id = Int(f[0]), let date = Int(f[1]) else { continue }
            days[id, default: []].insert(day(date))
        }
        let calibrationEnd = day(19970930)
        var summaries: [PurchaseSummary] = []
        var boughtAgain: [Bool] = []
        for (_, set) in days {
            let sorted = set.sorted()
            let first = sorted[0]
            let calibration = sorted.filter { $0 <= calibrationEnd }
            guard !calibration.isEmpty else { continue }
            let x = Double(calibration.count - 1)
            let tx = Double(calibration.last! - first) / 7
            summaries.append(PurchaseSummary(x: x, tx: tx, T: Double(calibrationEnd - first) / 7))
            boughtAgain.append(sorted.contains { $0 > calibrationEnd })
        }
        #expect(summaries.count == 23_570)
        let started = ContinuousClock.now
        let model = BGNBD.fit(summaries)
        let fitSeconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        let scores = summaries.map { model.expectedPurchases(next: 39, given: $0) }
        let auc = ROC.auc(scores: scores, labels: boughtAgain)
        let aliveAUC = ROC.auc(scores: summaries.map(model.probabilityAlive), labels: boughtAgain)
        print(String(format: "[clv] holdout (39 + 39 weeks, 23,570 customers): fit %.3f s, AUC expected purchases %.3f, AUC P(alive) %.3f, buyers again %d", fitSeconds, auc, aliveAUC, boughtAgain.filter { $0 }.count))
        #expect(auc > 0.75)
        // The model's total forecast for the holdout is close to what happened (FHL 2005: within a few %).
        let forecast = scores.reduce(0, +)
        var actual = 0
        for (_, set) in days { actual += set.filter { $0 > calibrationEnd }.count }
        #expect(abs(forecast - Double(actual)) / Double(actual) < 0.15, "forecast \(forecast), actual \(actual)")
    }
}
