import Foundation
import PanoramaCore
import PanoramaEngine
import Testing

/// The logistic churn model: the regression's fit checked against closed-form maximum
/// likelihood, and its time-based holdout AUC on CDNOW beside BG/NBD's `churn_risk`.
@Suite struct ChurnModelTests {
    @Test func aBinaryFeatureFitsItsGroupsLogOdds() {
        // x = 0: 1 of 4 positive; x = 1: 3 of 4. The MLE gives each group its share: 0.25, 0.75.
        let x: [[Double]] = [[0], [0], [0], [0], [1], [1], [1], [1]]
        let y = [true, false, false, false, true, true, true, false]
        let model = LogisticRegression.fit(x, y, ridge: 0)
        #expect(abs(model.probability([0]) - 0.25) < 1e-9 && abs(model.probability([1]) - 0.75) < 1e-9)
        // On the standardised scale (mean 0.5, sd 0.5): intercept 0, weight log(3).
        #expect(abs(model.weights[0]) < 1e-9 && abs(model.weights[1] - log(3.0)) < 1e-9)
        #expect(model.iterations < 20)
    }

    @Test func aConstantFeatureGetsNoWeightAndSeparatedClassesStayFinite() {
        let x: [[Double]] = (0..<20).map { [Double($0), 7] }
        let y = (0..<20).map { $0 >= 10 }
        let model = LogisticRegression.fit(x, y)
        #expect(model.weights[2] == 0 && model.weights.allSatisfy(\.isFinite))
        #expect(model.probability([19, 7]) > 0.99 && model.probability([0, 7]) < 0.01)
    }

    @Test func cdnowHoldoutAUCBesideBGNBD() throws {
        let (dataset, _) = try InsightTests.cdnow()
        // Fitted on features of 1997-12-31 with the outcome to 1998-03-31, scored on 1998-03-31;
        // labels: bought again in the last 90 days of the file (to 1998-06-29).
        let started = ContinuousClock.now
        let result = ChurnModel.holdout(dataset, asOf: InsightTests.day(1998, 6, 29), horizonDays: 90)
        print(
            "[insights] CDNOW 90-day churn holdout over \(result.buyers) buyers: logistic AUC \(result.logistic), BG/NBD churn_risk AUC \(result.bgnbd) (\(ContinuousClock.now - started))"
        )
        #expect(result.buyers == 23_570)
        #expect(result.logistic > 0.75 && result.logistic >= result.bgnbd - 0.01)
    }
}
