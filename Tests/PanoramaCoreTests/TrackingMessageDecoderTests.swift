import Testing

@testable import PanoramaCore

/// Decoding Segment-spec messages: validation codes, clock skew, identifier extraction.
@Suite struct TrackingMessageDecoderTests {
    let decoder = TrackingMessageDecoder(settings: .defaults)
    let received: Int64 = 1_790_000_000_000

    func decode(_ json: String, as type: MessageType? = nil, batchSentAt: Int64? = nil) throws -> TrackingMessage {
        try decoder.decode(
            try JSONParser.parse(json), impliedType: type, receivedAt: received, batchSentAt: batchSentAt,
            makeMessageID: { "generated" })
    }

    func code(_ json: String, as type: MessageType? = nil) -> String? {
        do {
            _ = try decode(json, as: type)
            return nil
        } catch let error as PanoramaError {
            return error.code
        } catch {
            return "other"
        }
    }

    @Test func extractsAndNormalizesIdentifiersFromEveryPlaceSegmentPutsThem() throws {
        let m = try decode(
            #"""
            {"type":"identify","userId":" u1 ","anonymousId":"a1","messageId":"m1",
             "traits":{"email":"X@Y.com","phone":"+86 138 0013 8000","wechat_unionid":"oUnion_123456"},
             "context":{"traits":{"email":"other@y.com"},"device":{"id":"DEV-1"},
                        "externalIds":[{"id":"C-9","type":"crm_id","collection":"users"},{"id":"openid_abcdef","type":"wechat_openid"}]}}
            """#)
        #expect(m.userID == "u1")
        #expect(m.messageID == "m1")
        let ids = Set(m.identifiers.map(\.description))
        #expect(
            ids == [
                "user_id:u1", "anonymous_id:a1", "email:x@y.com", "email:other@y.com", "phone:+8613800138000",
                "wechat_unionid:oUnion_123456", "device_id:DEV-1", "wechat_openid:openid_abcdef",
            ])
    }

    @Test func correctsClockSkewWithSentAt() throws {
        let m = try decode(
            #"{"anonymousId":"a","event":"E","timestamp":"2026-09-21T10:00:00.000Z","sentAt":"2026-09-21T10:00:10.000Z"}"#,
            as: .track)
        let original = try #require(Timestamp.parseMillis("2026-09-21T10:00:00.000Z"))
        #expect(m.originalTimestamp == original)
        #expect(m.timestamp == received - 10_000)
        // Without sentAt the client's timestamp is kept; without any, the receive time is used.
        #expect(
            try decode(#"{"anonymousId":"a","event":"E","timestamp":"2026-09-21T10:00:00Z"}"#, as: .track).timestamp
                == original)
        #expect(try decode(#"{"anonymousId":"a","event":"E"}"#, as: .track).timestamp == received)
        // A batch-level sentAt applies to messages that carry none.
        let batch = try decode(
            #"{"type":"track","anonymousId":"a","event":"E","timestamp":"2026-09-21T10:00:00Z"}"#,
            batchSentAt: original + 2_000)
        #expect(batch.timestamp == received - 2_000)
    }

    @Test func keepsPropertiesAndContextAsTheClientSentThem() throws {
        let m = try decode(
            #"{"anonymousId":"a","event":"E","properties":{ "b" : 1.50, "a":"\u4e0a" },"context":{"ip":"1.2.3.4"}}"#,
            as: .track)
        #expect(m.properties == #"{ "b" : 1.50, "a":"\u4e0a" }"#)
        #expect(m.context == #"{"ip":"1.2.3.4"}"#)
    }

    @Test(arguments: [
        (#"{"anonymousId":"a"}"#, MessageType.track, "missing_event"),
        (#"{"event":"E"}"#, .track, "missing_id"),
        (#"{"userId":"u"}"#, .alias, "missing_id"),
        (#"{"userId":"u"}"#, .group, "missing_group_id"),
        (#"{"userId":"u","type":"track"}"#, .identify, "invalid_type"),
        (#"{"userId":true}"#, .identify, "invalid_field_type"),
        (#"{"userId":"u","properties":[1]}"#, .page, "invalid_field_type"),
        (#"{"userId":"u","timestamp":"yesterday"}"#, .page, "invalid_timestamp"),
        (#"{"userId":"\u0001"}"#, .identify, "invalid_identifier"),
        (#"[1]"#, .identify, "invalid_message"),
    ])
    func refusesInvalidMessagesWithStableCodes(json: String, type: MessageType, expected: String) {
        #expect(code(json, as: type) == expected)
    }

    @Test func batchMessagesNeedAType() {
        #expect(code(#"{"userId":"u"}"#) == "missing_type")
        #expect(code(#"{"userId":"u","type":"purchase"}"#) == "invalid_type")
    }

    @Test func anInvalidEmailIsNotAnIdentifierButTheMessageIsKept() throws {
        let m = try decode(#"{"userId":"u1","traits":{"email":"not-an-email"}}"#, as: .identify)
        #expect(m.identifiers.map(\.type) == ["user_id"])
        #expect(m.invalidIdentifiers.first?.code == "invalid_email")
        #expect(m.traits?["email"]?.stringValue == "not-an-email")
    }

    @Test func numericUserIDsAreAccepted() throws {
        #expect(try decode(#"{"userId":12345}"#, as: .identify).userID == "12345")
    }
}

extension TrackingMessageDecoderTests {
    @Test func anEventTimeOutsideTheRangeIsRefused() {
        #expect(
            code(
                #"{"userId":"u","sentAt":"9999-12-31T00:00:00Z","originalTimestamp":"0001-01-01T00:00:00Z"}"#,
                as: .identify) == "invalid_timestamp")
        #expect(code(#"{"userId":"u","timestamp":"1899-12-31T23:59:59Z"}"#, as: .identify) == "invalid_timestamp")
        #expect(code(#"{"userId":"u","timestamp":"1997-01-01T00:00:00Z"}"#, as: .identify) == nil)
    }
}
