import Hummingbird
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore

/// REST: orders in and out, refunds, a customer's orders and value figures.
struct OrdersController {
    let orders: OrderService
    let profiles: ProfileService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.post("orders", use: save)
        group.get("orders/by-external-id/:external_id", use: byExternalID)
        group.get("orders/:id", use: show)
        group.post("orders/:id/refunds", use: refund)
        group.get("customers/:id/orders", use: customerOrders)
        group.get("customers/:id/value", use: value)
    }

    @Sendable func save(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request, limitKB: 1024)
        let (view, created) = try await orders.save(workspaceID: try context.workspaceID, body: body)
        return JSONResponse.make(Self.json(view), status: created ? .created : .ok)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let view = try await orders.order(workspaceID: try context.workspaceID, id: try Params.id(context))
        return JSONResponse.make(Self.json(try await visible(view, context)))
    }

    @Sendable func byExternalID(_ request: Request, context: AppRequestContext) async throws -> Response {
        let view = try await orders.order(
            workspaceID: try context.workspaceID, externalID: try Params.string(context, "external_id"))
        return JSONResponse.make(Self.json(try await visible(view, context)))
    }

    /// The order if its customer is in the caller's scope; else 404 as for no order.
    private func visible(_ view: OrderView, _ context: AppRequestContext) async throws -> OrderView {
        guard context.scope != .all else { return view }
        do {
            try await profiles.requireVisible(
                workspaceID: try context.workspaceID, id: view.order.customerID, scope: context.scope)
        } catch let error as PanoramaError where error.kind == .notFound {
            throw PanoramaError.notFound("order_not_found", "no order \(view.order.id) in this workspace")
        }
        return view
    }

    @Sendable func refund(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        let (view, refund, created) = try await orders.refund(
            workspaceID: try context.workspaceID, orderID: try Params.id(context), body: body)
        return JSONResponse.make(
            .object(["refund": Self.json(refund), "order": Self.json(view)]), status: created ? .created : .ok)
    }

    @Sendable func customerOrders(_ request: Request, context: AppRequestContext) async throws -> Response {
        let page = try await orders.orders(
            workspaceID: try context.workspaceID, customerID: try Params.id(context), cursor: Params.cursor(request),
            limit: try Params.limit(request))
        return JSONResponse.make(
            .object(["data": .array(JSONArray(page.items.map(Self.json))), "next_cursor": page.nextCursor.json]))
    }

    @Sendable func value(_ request: Request, context: AppRequestContext) async throws -> Response {
        let value = try await orders.value(workspaceID: try context.workspaceID, customerID: try Params.id(context))
        return JSONResponse.make(Self.json(value))
    }

    // MARK: JSON

    /// Minor units as a decimal string with two places (`2750` → `"27.50"`), exact.
    static func money(_ minor: Int64) -> JSONValue {
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let cents = magnitude % 100
        return .string("\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)")
    }

    static func json(_ view: OrderView) -> JSONValue {
        let o = view.order
        return .object([
            "id": .number(JSONNumber(o.id)),
            "order_id": .string(o.externalID),
            "customer_id": .number(JSONNumber(view.customerID)),
            "profile_part": .number(JSONNumber(o.customerID)),
            "status": .string(o.status.rawValue),
            "channel": o.channel.json,
            "store_id": o.storeID.json,
            "payment_method": o.paymentMethod.json,
            "currency": .string(o.currency),
            "coupons": .array(JSONArray(o.coupons.map { .string($0) })),
            "placed_at": o.placedAt.isoTime,
            "items": .array(
                JSONArray(
                    o.items.map { item in
                        .object([
                            "line": .number(JSONNumber(item.line)),
                            "product_id": item.productID.json,
                            "sku": item.sku.json,
                            "name": item.name.json,
                            "category": item.category.json,
                            "brand": item.brand.json,
                            "quantity": .number(JSONNumber(item.quantity)),
                            "price": money(item.unitPrice),
                            "discount": money(item.discount),
                            "amount": money(item.amount),
                            "refunded_quantity": .number(JSONNumber(item.refundedQuantity)),
                        ])
                    })),
            "subtotal": money(o.subtotal),
            "discount": money(o.discount),
            "shipping": money(o.shipping),
            "tax": money(o.tax),
            "total": money(o.total),
            "refunded": money(o.refunded),
            "net": money(o.net),
            "properties": o.properties.rawJSON,
            "source": .string(o.source),
            "refunds": .array(JSONArray(view.refunds.map(json))),
            "created_at": o.createdAt.isoTime,
            "updated_at": o.updatedAt.isoTime,
        ])
    }

    static func json(_ r: Refund) -> JSONValue {
        .object([
            "id": .number(JSONNumber(r.id)),
            "refund_id": .string(r.externalID),
            "order_id": .number(JSONNumber(r.orderID)),
            "type": .string(r.kind.rawValue),
            "amount": money(r.amount),
            "lines": .array(
                JSONArray(
                    r.lines.map {
                        .object([
                            "line": .number(JSONNumber($0.line)), "quantity": .number(JSONNumber($0.quantity)),
                            "amount": money($0.amount),
                        ])
                    })),
            "reason": r.reason.json,
            "refunded_at": r.refundedAt.isoTime,
            "created_at": r.createdAt.isoTime,
        ])
    }

    static func json(_ v: CustomerValue) -> JSONValue {
        .object([
            "orders": .number(JSONNumber(v.orders)),
            "total_spend": money(v.totalSpend),
            "refunded": money(v.refunded),
            "net_spend": money(v.netSpend),
            "average_order_value": money(v.averageOrderValue),
            "first_purchase_at": v.firstPurchaseAt.isoTime,
            "last_purchase_at": v.lastPurchaseAt.isoTime,
            "average_repurchase_days": v.averageRepurchaseDays.flatMap { JSONNumber($0) }.map { .number($0) } ?? .null,
            "favourite_category": v.favouriteCategory.json,
            "favourite_channel": v.favouriteChannel.json,
            "currency": v.currency.json,
        ])
    }
}
