/// The console's mustache templates, compiled into the binary (no files to ship next to it).
/// All text comes from the message catalog (`t.…`); values are escaped by mustache (`{{…}}`),
/// and only SVG that Panorama rendered itself is inserted raw (`{{{…}}}`).
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout, "sign-in": signIn, "dashboard": dashboard, "customers": customers, "customer": customer,
        "audiences": audiences, "audience": audience, "builder": builder, "settings": settings, "imports": imports,
        "import": importJob, "error": error, "pager": pager, "customer-table": customerTable,
        "insights-tabs": insightsTabs, "insights-rfm": insightsRFM, "insights-cohorts": insightsCohorts,
        "insights-funnel": insightsFunnel, "insights-dropoff": insightsDropOff,
        "insights-repurchase": insightsRepurchase, "insights-basket": insightsBasket,
        "insights-predictions": insightsPredictions, "audit": audit, "breakdown-customers": breakdownCustomers,
        "insights-roi": insightsROI, "loading": loading,
    ]

    static let layout = #"""
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{t.brand}}</title>
        {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
        <link rel="stylesheet" href="/app/static/console.css">
        <script src="/app/static/console.js" defer></script>
        </head>
        <body data-csrf="{{csrf}}" data-lang="{{lang}}">
        <a class="skip" href="#main">{{t.skip_to_content}}</a>
        <header class="top">
          <a class="brand" href="/app/dashboard">{{t.brand}}</a>
          {{#user}}
          <nav aria-label="{{t.nav_label}}">
            <ul>
            {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}
            </ul>
          </nav>
          {{/user}}
          <div class="top-right">
            <a class="lang" href="/app/lang?set={{otherLang}}&amp;back={{back}}" lang="{{otherLang}}" hreflang="{{otherLang}}">{{t.switch_language}}</a>
            {{#user}}
            <span class="who" title="{{t.role}}: {{role}}">{{name}}</span>
            <form method="post" action="/app/sign-out" class="inline">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <button type="submit" class="link">{{t.sign_out}}</button>
            </form>
            {{/user}}
          </div>
        </header>
        <main id="main" tabindex="-1">
        {{#flash}}<p class="flash" role="status">{{flash}}</p>{{/flash}}
        {{#notice}}<p class="notice{{#pending}} pending{{/pending}}" role="status" id="figures-notice"{{#pending}} data-pending{{/pending}}>{{text}}</p>{{/notice}}
        {{{content}}}
        </main>
        <footer class="foot">{{t.footer}}</footer>
        </body>
        </html>
        """#

    static let pager = #"""
        {{#pager}}<nav class="pager" aria-label="{{t.pagination}}">
        {{#first}}<a href="{{first}}">{{t.first_page}}</a>{{/first}}
        {{#next}}<a href="{{next}}" rel="next">{{t.next_page}} →</a>{{/next}}
        </nav>{{/pager}}
        """#

    static let signIn = #"""
        <section class="card narrow">
          <h1>{{t.sign_in_title}}</h1>
          {{#error}}<p class="error" role="alert" id="sign-in-error">{{error}}</p>{{/error}}
          <form method="post" action="/app/sign-in" class="stack">
            <input type="hidden" name="next" value="{{next}}">
            <label for="username">{{t.username}}</label>
            <input id="username" name="username" autocomplete="username" value="{{username}}" required autofocus>
            <label for="password">{{t.password}}</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <label for="totp">{{t.totp_code}} <span class="hint">{{t.totp_hint}}</span></label>
            <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,8}">
            <button type="submit" class="primary">{{t.sign_in}}</button>
          </form>
          <details class="key-sign-in">
            <summary>{{t.sign_in_with_key}}</summary>
            <form method="post" action="/app/sign-in" class="stack">
              <input type="hidden" name="next" value="{{next}}">
              <label for="admin_key">{{t.admin_key}}</label>
              <input id="admin_key" name="admin_key" type="password" autocomplete="off" required>
              <button type="submit">{{t.sign_in}}</button>
            </form>
          </details>
        </section>
        """#

    static let dashboard = #"""
        <div class="head-row">
          <h1>{{t.dashboard}}</h1>
          <form method="get" action="/app/dashboard" class="inline">
            <label for="days">{{t.period}}</label>
            <select id="days" name="days" data-autosubmit>
              {{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periods}}
            </select>
            <noscript><button type="submit">{{t.apply}}</button></noscript>
          </form>
        </div>
        <p class="muted">{{periodText}}</p>
        <ul class="kpis">
        {{#kpis}}
          <li class="kpi"><span class="kpi-label">{{label}}</span><strong class="kpi-value">{{value}}</strong>
          {{#change}}<span class="kpi-change {{direction}}">{{change}} <span class="muted">{{t.vs_previous}}</span></span>{{/change}}
          {{^change}}<span class="kpi-change muted">{{note}}</span>{{/change}}</li>
        {{/kpis}}
        </ul>
        {{#scopeNote}}<p class="note">{{scopeNote}}</p>{{/scopeNote}}
        <div class="grid2">
          {{#trend}}<section class="card chart-card"><h2>{{t.revenue_trend}}</h2>{{{trend}}}</section>{{/trend}}
          {{#channels}}<section class="card chart-card"><h2>{{t.revenue_by_channel}}</h2>{{{channels}}}</section>{{/channels}}
          <section class="card chart-card"><h2>{{t.customers_by_rfm}}</h2>{{{rfm}}}<p class="hint">{{t.click_bar_hint}}</p></section>
          <section class="card chart-card"><h2>{{t.customers_by_tag}}</h2>{{{tags}}}</section>
          {{#breakdown}}<section class="card chart-card"><h2>{{t.breakdown}}</h2>
            <form method="get" action="/app/dashboard" class="inline filters">
              <input type="hidden" name="days" value="{{days}}">
              <label for="by">{{t.breakdown_by}}</label>
              <select id="by" name="by" data-autosubmit>{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}</select>
              <noscript><button type="submit">{{t.apply}}</button></noscript>
            </form>
            {{#error}}<p class="muted">{{error}}</p>{{/error}}
            {{#chart}}{{{chart}}}<p class="hint">{{t.click_bar_hint}}</p>{{/chart}}</section>{{/breakdown}}
        </div>
        """#

    static let customers = #"""
        <h1>{{t.customers}}</h1>
        <form method="get" action="/app/customers" class="search" role="search">
          <label for="q" class="sr-only">{{t.search_label}}</label>
          <input id="q" name="q" value="{{q}}" placeholder="{{t.search_placeholder}}">
          <label for="tag" class="sr-only">{{t.tag}}</label>
          <select id="tag" name="tag">
            <option value="">{{t.any_tag}}</option>
            {{#tagOptions}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/tagOptions}}
          </select>
          <button type="submit" class="primary">{{t.search}}</button>
        </form>
        {{#ruleText}}<p class="note">{{t.customers_of_rule}} <code>{{ruleText}}</code>{{#total}} · {{total}}{{/total}}</p>{{/ruleText}}
        {{#searchError}}<p class="error" role="alert">{{searchError}}</p>{{/searchError}}
        {{>customer-table}}
        {{>pager}}
        """#

    static let customer = #"""
        <p class="crumbs"><a href="/app/customers">{{t.customers}}</a> / #{{id}}</p>
        <div class="head-row"><h1>{{displayName}}</h1>{{#tier}}<span class="badge tier">{{tier}}</span>{{/tier}}</div>
        {{#masked}}<p class="note">{{t.pii_masked_note}}</p>{{/masked}}
        <ul class="kpis small">
          {{#figures}}<li class="kpi"><span class="kpi-label">{{label}}</span><strong class="kpi-value">{{value}}</strong></li>{{/figures}}
        </ul>
        <div class="grid2">
        <section class="card" aria-labelledby="h-profile"><h2 id="h-profile">{{t.profile_and_traits}}</h2>
          <dl class="facts">{{#traits}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/traits}}</dl>
          {{^traits}}<p class="muted">{{t.none}}</p>{{/traits}}
        </section>
        <section class="card" aria-labelledby="h-ids"><h2 id="h-ids">{{t.identifiers}}</h2>
          <table class="list compact"><thead><tr><th scope="col">{{t.type}}</th><th scope="col">{{t.value}}</th></tr></thead>
          <tbody>{{#identifiers}}<tr><td>{{type}}</td><td>{{value}}</td></tr>{{/identifiers}}</tbody></table>
        </section>
        <section class="card" aria-labelledby="h-aud"><h2 id="h-aud">{{t.tags_and_segments}}</h2>
          <p>{{#tags}}<a class="badge" href="/app/audiences/tag/{{path}}">{{name}}</a> {{/tags}}{{^tags}}<span class="muted">{{t.no_tags}}</span>{{/tags}}</p>
          <p>{{#segments}}<a class="badge seg" href="/app/audiences/segment/{{path}}">{{name}}</a> {{/segments}}{{^segments}}<span class="muted">{{t.no_segments}}</span>{{/segments}}</p>
          <h3>{{t.predictions}}</h3>
          <dl class="facts">
            <dt>{{t.predicted_clv}}</dt><dd>{{#clv}}{{clv}}{{/clv}}{{^clv}}<span class="muted">{{t.not_yet_predicted}}</span>{{/clv}}</dd>
            <dt>{{t.churn_risk}}</dt><dd>{{#churn}}{{churn}}{{/churn}}{{^churn}}<span class="muted">{{t.not_yet_predicted}}</span>{{/churn}}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="h-consent"><h2 id="h-consent">{{t.consent}}</h2>
          {{#consentHidden}}<p class="muted">{{t.no_permission_section}}</p>{{/consentHidden}}
          <table class="list compact"><thead><tr><th scope="col">{{t.purpose}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.source}}</th><th scope="col">{{t.when}}</th></tr></thead>
          <tbody>{{#consents}}<tr><td>{{purpose}}</td><td>{{state}}</td><td>{{source}}</td><td>{{at}}</td></tr>{{/consents}}
          {{^consents}}<tr><td colspan="4" class="muted">{{t.none}}</td></tr>{{/consents}}</tbody></table>
        </section>
        </div>
        <section class="card" aria-labelledby="h-orders"><h2 id="h-orders">{{t.orders_and_refunds}}</h2>
          {{#ordersHidden}}<p class="muted">{{t.no_permission_section}}</p>{{/ordersHidden}}
          <div class="table-wrap"><table class="list"><thead><tr><th scope="col">{{t.order}}</th><th scope="col">{{t.placed_at}}</th><th scope="col">{{t.channel}}</th><th scope="col">{{t.status}}</th><th scope="col">{{t.items}}</th><th scope="col" class="num">{{t.total}}</th><th scope="col" class="num">{{t.refunded}}</th></tr></thead>
          <tbody>{{#orders}}<tr><td>{{externalID}}</td><td>{{placedAt}}</td><td>{{channel}}</td><td>{{status}}</td><td>{{items}}</td><td class="num">{{total}}</td><td class="num">{{refunded}}</td></tr>
          {{#refunds}}<tr class="sub"><td colspan="5">↳ {{kind}} {{reason}} · {{at}}</td><td></td><td class="num">{{amount}}</td></tr>{{/refunds}}{{/orders}}
          {{^orders}}<tr><td colspan="7" class="muted">{{t.none}}</td></tr>{{/orders}}</tbody></table></div>
        </section>
        <div class="grid2">
        <section class="card" aria-labelledby="h-loyalty"><h2 id="h-loyalty">{{t.loyalty}}</h2>
          {{#loyaltyHidden}}<p class="muted">{{t.no_permission_section}}</p>{{/loyaltyHidden}}
          {{#loyalty}}
          <dl class="facts"><dt>{{t.points}}</dt><dd>{{points}}</dd><dt>{{t.tier}}</dt><dd>{{tierName}}</dd><dt>{{t.stored_value}}</dt><dd>{{storedValue}}</dd></dl>
          <h3>{{t.points_ledger}}</h3>
          <table class="list compact"><thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.kind}}</th><th scope="col" class="num">{{t.amount}}</th><th scope="col" class="num">{{t.balance}}</th><th scope="col">{{t.reason}}</th></tr></thead>
          <tbody>{{#ledger}}<tr><td>{{at}}</td><td>{{kind}}</td><td class="num">{{amount}}</td><td class="num">{{balance}}</td><td>{{reason}}</td></tr>{{/ledger}}
          {{^ledger}}<tr><td colspan="5" class="muted">{{t.none}}</td></tr>{{/ledger}}</tbody></table>
          <h3>{{t.stored_value_ledger}}</h3>
          <table class="list compact"><thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.kind}}</th><th scope="col" class="num">{{t.amount}}</th><th scope="col" class="num">{{t.balance}}</th></tr></thead>
          <tbody>{{#valueLedger}}<tr><td>{{at}}</td><td>{{kind}}</td><td class="num">{{amount}}</td><td class="num">{{balance}}</td></tr>{{/valueLedger}}
          {{^valueLedger}}<tr><td colspan="4" class="muted">{{t.none}}</td></tr>{{/valueLedger}}</tbody></table>
          <h3>{{t.tier_history}}</h3>
          <ul class="plain">{{#tierHistory}}<li>{{at}}: {{from}} → {{to}} <span class="muted">({{reason}})</span></li>{{/tierHistory}}{{^tierHistory}}<li class="muted">{{t.none}}</li>{{/tierHistory}}</ul>
          {{/loyalty}}
        </section>
        <section class="card" aria-labelledby="h-merges"><h2 id="h-merges">{{t.merge_history}}</h2>
          <ul class="plain">{{#merges}}<li>{{at}} · #{{fromID}} → #{{intoID}} · {{cause}} · {{source}}
            {{#undone}}<span class="badge muted">{{t.undone}} {{undone}}</span>{{/undone}}
            {{#canUndo}}<form method="post" action="/app/merges/{{id}}/undo" class="inline" data-confirm="{{t.confirm_undo}}"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="back" value="/app/customers/{{customerID}}"><button type="submit" class="small">{{t.undo_merge}}</button></form>{{/canUndo}}
          </li>{{/merges}}{{^merges}}<li class="muted">{{t.no_merges}}</li>{{/merges}}</ul>
        </section>
        </div>
        <section class="card" aria-labelledby="h-events"><h2 id="h-events">{{t.event_timeline}}</h2>
          <ol class="timeline">{{#events}}<li><time>{{at}}</time> <strong>{{label}}</strong> <span class="muted">{{type}}</span>{{#detail}} <code class="detail">{{detail}}</code>{{/detail}}</li>{{/events}}
          {{^events}}<li class="muted">{{t.none}}</li>{{/events}}</ol>
          {{#moreEvents}}<p><a href="{{moreEvents}}">{{t.older_events}} →</a></p>{{/moreEvents}}
        </section>
        """#

    static let audiences = #"""
        <div class="head-row"><h1>{{t.tags_and_segments}}</h1>{{#canWrite}}<a class="button primary" href="/app/segments/new">{{t.new_segment}}</a>{{/canWrite}}</div>
        {{#sections}}
        <section class="card" aria-labelledby="h-{{kind}}"><h2 id="h-{{kind}}">{{title}}</h2>
        <div class="table-wrap"><table class="list"><thead><tr><th scope="col">{{t.name}}</th><th scope="col">{{t.category}}</th><th scope="col">{{t.type}}</th><th scope="col" class="num">{{t.size}}</th><th scope="col">{{t.rule}}</th></tr></thead>
        <tbody>{{#items}}<tr><td><a href="/app/audiences/{{kind}}/{{path}}">{{name}}</a></td><td>{{category}}</td><td>{{type}}</td><td class="num">{{size}}</td><td><code>{{rule}}</code>{{#problem}} <span class="error">{{problem}}</span>{{/problem}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="5" class="muted">{{t.none}}</td></tr>{{/items}}</tbody></table></div>
        </section>
        {{/sections}}
        """#

    static let audience = #"""
        <p class="crumbs"><a href="/app/audiences">{{t.tags_and_segments}}</a> / {{kindLabel}}</p>
        <div class="head-row"><h1>{{name}}</h1>
          <div class="actions">
          {{#canEdit}}<a class="button" href="/app/segments/new?edit={{path}}">{{t.edit}}</a>{{/canEdit}}
          {{#canExport}}<a class="button" href="/app/audiences/{{kind}}/{{path}}/export" download>{{t.export_csv}}</a>{{/canExport}}
          </div>
        </div>
        {{#description}}<p>{{description}}</p>{{/description}}
        <ul class="kpis small">
          <li class="kpi"><span class="kpi-label">{{t.size}}</span><strong class="kpi-value" id="audience-size">{{size}}</strong></li>
          <li class="kpi"><span class="kpi-label">{{t.type}}</span><strong class="kpi-value">{{type}}</strong></li>
          {{#category}}<li class="kpi"><span class="kpi-label">{{t.category}}</span><strong class="kpi-value">{{category}}</strong></li>{{/category}}
          <li class="kpi"><span class="kpi-label">{{t.updated}}</span><strong class="kpi-value">{{updated}}</strong></li>
        </ul>
        {{#rule}}<section class="card"><h2>{{t.rule}}</h2><pre class="rule">{{rule}}</pre>{{#problem}}<p class="error">{{problem}}</p>{{/problem}}</section>{{/rule}}
        <section class="card chart-card"><h2>{{t.size_over_time}}</h2>{{#sizeChart}}{{{sizeChart}}}{{/sizeChart}}{{^sizeChart}}<p class="muted">{{t.no_size_history}}</p>{{/sizeChart}}</section>
        <section class="card"><h2>{{t.members_preview}}</h2>
          <ul class="plain columns">{{#members}}<li><a href="/app/customers/{{id}}">#{{id}} {{name}}</a></li>{{/members}}{{^members}}<li class="muted">{{t.none}}</li>{{/members}}</ul>
          {{#ruleLink}}<p><a href="{{ruleLink}}">{{t.all_members}} →</a></p>{{/ruleLink}}
        </section>
        """#

    static let builder = #"""
        <p class="crumbs"><a href="/app/audiences">{{t.tags_and_segments}}</a> / {{t.segment_builder}}</p>
        <h1>{{#editing}}{{t.edit_segment}}{{/editing}}{{^editing}}{{t.new_segment}}{{/editing}}</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/app/segments" id="segment-form" class="stack wide">
          <input type="hidden" name="_csrf" value="{{csrf}}">
          <input type="hidden" name="editing" value="{{editing}}">
          <div class="row">
            <div><label for="seg-name">{{t.name}}</label><input id="seg-name" name="name" value="{{name}}" required maxlength="100" {{#editing}}readonly{{/editing}}></div>
            <div><label for="seg-desc">{{t.description}}</label><input id="seg-desc" name="description" value="{{description}}" maxlength="500"></div>
            <div><label for="seg-type">{{t.type}}</label><select id="seg-type" name="type">{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/types}}</select></div>
          </div>
          <fieldset class="builder" id="builder" hidden>
            <legend>{{t.conditions}}</legend>
            <p class="hint">{{t.builder_hint}}</p>
            <div id="groups"></div>
            <div class="row">
              <button type="button" id="add-group">{{t.add_group}}</button>
              <label for="groups-join">{{t.groups_join}}</label>
              <select id="groups-join"><option value="AND">{{t.op_and}}</option><option value="OR">{{t.op_or}}</option></select>
            </div>
          </fieldset>
          <label for="rule">{{t.rule_text}}</label>
          <textarea id="rule" name="rule" rows="3" spellcheck="false" aria-describedby="rule-status">{{rule}}</textarea>
          <div id="rule-status" class="rule-status" role="status" aria-live="polite">
            <span class="muted">{{t.live_count}}:</span> <strong id="live-count">{{count}}</strong>
            <span id="rule-error" class="error">{{ruleError}}</span>
          </div>
          <div class="row"><button type="submit" class="primary">{{t.save_segment}}</button><a href="/app/audiences">{{t.cancel}}</a></div>
        </form>
        <script type="application/json" id="builder-data">{{{builderJSON}}}</script>
        """#

    static let settings = #"""
        <h1>{{t.settings}}</h1>
        {{#newKey}}<section class="card secret" id="new-key" role="alert" aria-labelledby="h-new-key"><h2 id="h-new-key">{{t.key_secret_title}}</h2>
          <p>{{t.key_secret_once}}</p>
          <p><label for="new-key-secret">{{name}}</label> <input id="new-key-secret" class="secret-value" value="{{secret}}" readonly size="44" spellcheck="false"></p>
          <p class="hint">{{usage}}</p>
        </section>{{/newKey}}
        <div class="grid2 settings">
        <section class="card" id="workspace" aria-labelledby="h-workspace"><h2 id="h-workspace">{{t.workspace}}</h2>
          <dl class="facts"><dt>{{t.workspace_name}}</dt><dd>{{workspace}}</dd><dt>{{t.time_zone}}</dt><dd id="current-time-zone">{{timeZone}}</dd></dl>
          {{#canWrite}}<form method="post" action="/app/settings/time-zone" class="stack edit-form" id="time-zone-form">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <label for="time_zone">{{t.time_zone}} <span class="hint">{{t.time_zone_hint}}</span></label>
            <input id="time_zone" name="time_zone" value="{{zoneValue}}" list="zones" required maxlength="64" autocomplete="off" spellcheck="false"{{#error_time_zone}} aria-invalid="true" aria-describedby="time-zone-error"{{/error_time_zone}}>
            <datalist id="zones">{{#zones}}<option value="{{.}}">{{/zones}}</datalist>
            {{#error_time_zone}}<p class="error" role="alert" id="time-zone-error">{{error_time_zone}}</p>{{/error_time_zone}}
            <div><button type="submit" class="primary">{{t.save}}</button></div>
          </form>{{/canWrite}}
        </section>
        <section class="card" id="identifier-types" aria-labelledby="h-types"><h2 id="h-types">{{t.identifier_types}}</h2>
          <div class="table-wrap"><table class="list compact"><thead><tr><th scope="col">{{t.name}}</th><th scope="col" class="num">{{t.priority}}</th><th scope="col" class="num">{{t.limit_per_profile}}</th><th scope="col">{{t.unique}}</th>{{#canWrite}}<th scope="col"><span class="sr-only">{{t.edit}}</span></th>{{/canWrite}}</tr></thead>
          <tbody>{{#types}}<tr><td>{{name}}</td><td class="num">{{priority}}</td><td class="num">{{limit}}</td><td>{{unique}}</td>{{#editLink}}<td><a href="{{editLink}}">{{t.edit}}</a></td>{{/editLink}}</tr>{{/types}}</tbody></table></div>
          {{#canWrite}}{{#typeForm}}<form method="post" action="/app/settings/identifier-types" class="edit-form" id="identifier-type-form">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <h3>{{t.identifier_type_edit}}</h3>
            <div class="row">
              <div><label for="type-name">{{t.name}}</label><input id="type-name" name="name" value="{{name}}" required maxlength="64" pattern="[a-z0-9_]+" spellcheck="false"></div>
              <div><label for="type-priority">{{t.priority}}</label><input id="type-priority" name="priority" type="number" min="0" max="1000" value="{{priority}}" required></div>
              <div><label for="type-limit">{{t.limit_per_profile}} <span class="hint">{{t.limit_hint}}</span></label><input id="type-limit" name="limit" type="number" min="1" max="10000" value="{{limit}}"></div>
              <div class="check"><input id="type-unique" name="unique" type="checkbox" value="1"{{#unique}} checked{{/unique}}><label for="type-unique">{{t.unique_hint}}</label></div>
            </div>
            {{#error_identifier_type}}<p class="error" role="alert">{{error_identifier_type}}</p>{{/error_identifier_type}}
            <div><button type="submit" class="primary">{{t.save}}</button></div>
          </form>{{/typeForm}}{{/canWrite}}
        </section>
        <section class="card" id="api-keys" aria-labelledby="h-keys"><h2 id="h-keys">{{t.api_keys}}</h2>
          {{#keysHidden}}<p class="muted">{{t.no_permission_section}}</p>{{/keysHidden}}
          {{#keysManage}}<div class="table-wrap"><table class="list compact keys"><thead><tr><th scope="col">{{t.name}}</th><th scope="col">{{t.kind}}</th><th scope="col">{{t.prefix}}</th><th scope="col">{{t.created}}</th><th scope="col">{{t.state}}</th><th scope="col"><span class="sr-only">{{t.key_revoke}}</span></th></tr></thead>
          <tbody>{{#keys}}<tr><td>{{name}}</td><td>{{kind}}</td><td><code>{{prefix}}…</code></td><td>{{created}}</td><td>{{state}}</td><td>{{#live}}<form method="post" action="/app/settings/keys/{{id}}/revoke" class="inline" data-confirm="{{confirm}}"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="small danger" aria-label="{{t.key_revoke}}: {{name}}">{{t.key_revoke}}</button></form>{{/live}}</td></tr>{{/keys}}</tbody></table></div>
          {{#keyForm}}<form method="post" action="/app/settings/keys" class="edit-form" id="key-form">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <h3>{{t.key_create}}</h3>
            <div class="row">
              <div><label for="key-name">{{t.name}}</label><input id="key-name" name="name" value="{{name}}" maxlength="100"></div>
              <div><label for="key-kind">{{t.kind}}</label><select id="key-kind" name="kind">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></div>
              <div><label for="key-role">{{t.key_role}} <span class="hint">{{t.key_role_hint}}</span></label><select id="key-role" name="role">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select></div>
            </div>
            {{#error_key}}<p class="error" role="alert">{{error_key}}</p>{{/error_key}}
            <div><button type="submit" class="primary">{{t.key_create}}</button></div>
          </form>{{/keyForm}}{{/keysManage}}
        </section>
        <section class="card" id="loyalty" aria-labelledby="h-loyalty"><h2 id="h-loyalty">{{t.loyalty_rules}}</h2>
          {{#loyaltyHidden}}<p class="muted">{{t.no_permission_section}}</p>{{/loyaltyHidden}}
          <div class="table-wrap"><table class="list compact"><thead><tr><th scope="col">{{t.tier}}</th><th scope="col">{{t.code}}</th><th scope="col" class="num">{{t.min_spend}}</th><th scope="col" class="num">{{t.points_multiplier}}</th></tr></thead>
          <tbody>{{#tiers}}<tr><td>{{name}}</td><td>{{code}}</td><td class="num">{{minSpend}}</td><td class="num">{{multiplier}}</td></tr>{{/tiers}}
          {{^tiers}}<tr><td colspan="4" class="muted">{{t.none}}</td></tr>{{/tiers}}</tbody></table></div>
          {{#hasRules}}<h3>{{t.earn_rules}}</h3>{{/hasRules}}
          <ul class="plain">{{#rules}}<li>{{.}}</li>{{/rules}}</ul>
          {{#programFacts}}<p class="muted">{{programFacts}}</p>{{/programFacts}}
        </section>
        </div>
        {{#loyaltyForm}}<section class="card" id="loyalty-edit" aria-labelledby="h-loyalty-edit"><h2 id="h-loyalty-edit">{{t.loyalty_edit}}</h2>
          <form method="post" action="/app/settings/loyalty" class="edit-form" id="loyalty-form">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <div class="row">
              <div><label for="tier-period">{{t.loyalty_tier_period}}</label><input id="tier-period" name="tier_period_days" type="number" min="1" max="3660" value="{{tierPeriodDays}}" required></div>
              <div><label for="expiry-months">{{t.loyalty_expiry}} <span class="hint">{{t.loyalty_expiry_hint}}</span></label><input id="expiry-months" name="expiry_months" type="number" min="1" max="120" value="{{expiryMonths}}"></div>
            </div>
            <fieldset class="rows"><legend>{{t.loyalty_tiers}} <span class="hint">{{t.loyalty_tiers_hint}}</span></legend>
            {{#tiers}}<div class="row edit-row" role="group" aria-label="{{n}}">
              <div><label for="tier-{{i}}-code">{{n}} · {{t.code}}</label><input id="tier-{{i}}-code" name="tier.{{i}}.code" value="{{code}}" maxlength="32" spellcheck="false"></div>
              <div><label for="tier-{{i}}-name">{{t.name}}</label><input id="tier-{{i}}-name" name="tier.{{i}}.name" value="{{name}}" maxlength="100"></div>
              <div><label for="tier-{{i}}-min">{{t.min_spend}} (¥)</label><input id="tier-{{i}}-min" name="tier.{{i}}.min_spend" value="{{minSpend}}" inputmode="decimal"></div>
              <div><label for="tier-{{i}}-mult">{{t.points_multiplier}}</label><input id="tier-{{i}}-mult" name="tier.{{i}}.multiplier" value="{{multiplier}}" inputmode="decimal"></div>
            </div>{{/tiers}}
            </fieldset>
            <fieldset class="rows"><legend>{{t.earn_rules}} <span class="hint">{{t.loyalty_rules_hint}}</span></legend>
            {{#rules}}<div class="row edit-row" role="group" aria-label="{{n}}">
              <div><label for="rule-{{i}}-type">{{n}} · {{t.type}}</label><select id="rule-{{i}}-type" name="rule.{{i}}.type">{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/types}}</select></div>
              <div><label for="rule-{{i}}-target">{{t.rule_target}}</label><input id="rule-{{i}}-target" name="rule.{{i}}.target" value="{{target}}" maxlength="100"></div>
              <div><label for="rule-{{i}}-points">{{t.points}}</label><input id="rule-{{i}}-points" name="rule.{{i}}.points" type="number" min="1" value="{{points}}"></div>
              <div><label for="rule-{{i}}-per">{{t.rule_per_amount}} (¥)</label><input id="rule-{{i}}-per" name="rule.{{i}}.per_amount" value="{{perAmount}}" inputmode="decimal"></div>
              <div><label for="rule-{{i}}-limit">{{t.rule_limit}}</label><select id="rule-{{i}}-limit" name="rule.{{i}}.limit">{{#limits}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/limits}}</select></div>
            </div>{{/rules}}
            </fieldset>
            {{#error_loyalty}}<p class="error" role="alert">{{error_loyalty}}</p>{{/error_loyalty}}
            <div><button type="submit" class="primary">{{t.loyalty_save}}</button></div>
          </form>
        </section>{{/loyaltyForm}}
        """#

    static let imports = #"""
        <h1>{{t.imports}}</h1>
        <section class="card"><h2>{{t.upload_file}}</h2>
          <form method="post" action="/app/imports" enctype="multipart/form-data" class="stack">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <label for="kind">{{t.import_kind}}</label>
            <select id="kind" name="kind">{{#kinds}}<option value="{{value}}">{{label}}</option>{{/kinds}}</select>
            <label for="file">{{t.file}} <span class="hint">{{t.file_hint}}</span></label>
            <input id="file" name="file" type="file" required accept=".csv,.json,.ndjson,.jsonl,.xml,.txt">
            <button type="submit" class="primary">{{t.upload_and_preview}}</button>
          </form>
        </section>
        <section class="card"><h2>{{t.recent_imports}}</h2>
          <div class="table-wrap"><table class="list"><thead><tr><th scope="col">{{t.id}}</th><th scope="col">{{t.file}}</th><th scope="col">{{t.import_kind}}</th><th scope="col">{{t.status}}</th><th scope="col">{{t.created}}</th></tr></thead>
          <tbody>{{#jobs}}<tr><td><a href="/app/imports/{{id}}">#{{id}}</a></td><td>{{source}}</td><td>{{kind}}</td><td>{{status}}{{#dryRun}} ({{t.dry_run}}){{/dryRun}}</td><td>{{created}}</td></tr>{{/jobs}}
          {{^jobs}}<tr><td colspan="5" class="muted">{{t.none}}</td></tr>{{/jobs}}</tbody></table></div>
        </section>
        """#

    static let importJob = #"""
        <p class="crumbs"><a href="/app/imports">{{t.imports}}</a> / #{{id}}</p>
        <h1>{{source}}</h1>
        <ul class="kpis small">
          <li class="kpi"><span class="kpi-label">{{t.status}}</span><strong class="kpi-value" id="import-status">{{status}}</strong></li>
          <li class="kpi"><span class="kpi-label">{{t.import_kind}}</span><strong class="kpi-value">{{kind}}</strong></li>
          {{#dryRun}}<li class="kpi"><span class="kpi-label">{{t.dry_run}}</span><strong class="kpi-value">✓</strong></li>{{/dryRun}}
        </ul>
        {{#running}}<p class="note" data-refresh="2">{{t.import_running}}</p>{{/running}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#report}}<section class="card"><h2>{{t.import_report}}</h2><dl class="facts">{{#facts}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/facts}}</dl>
          {{#rejectedLink}}<p><a href="{{rejectedLink}}" download>{{t.rejected_rows_csv}}</a></p>{{/rejectedLink}}</section>{{/report}}
        {{#preview}}
        <section class="card"><h2>{{t.map_fields}}</h2>
          <form method="post" action="/app/imports/{{id}}" class="stack wide">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <div class="table-wrap"><table class="list compact"><thead><tr><th scope="col">{{t.column}}</th><th scope="col">{{t.maps_to}}</th><th scope="col">{{t.sample}}</th></tr></thead>
            <tbody>{{#columns}}<tr><td><label for="map-{{index}}">{{name}}</label></td><td><input id="map-{{index}}" name="map.{{name}}" value="{{target}}" list="targets"></td><td class="muted">{{sample}}</td></tr>{{/columns}}</tbody></table></div>
            <datalist id="targets">{{#targets}}<option value="{{.}}">{{/targets}}</datalist>
            <h3>{{t.preview_rows}}</h3>
            <div class="table-wrap"><table class="list compact"><tbody>{{#rows}}<tr><td><code>{{.}}</code></td></tr>{{/rows}}</tbody></table></div>
            {{#problems}}<p class="error">{{.}}</p>{{/problems}}
            <div class="row">
              <button type="submit" name="action" value="preview">{{t.refresh_preview}}</button>
              <button type="submit" name="action" value="dry_run">{{t.dry_run}}</button>
              <button type="submit" name="action" value="start" class="primary">{{t.start_import}}</button>
            </div>
          </form>
        </section>
        {{/preview}}
        """#

    static let loading = #"""
        <section class="card narrow">
          <h1>{{heading}}</h1>
          <p><a href="/app/settings">{{t.nav_settings}}</a> · <a href="/app/imports">{{t.nav_imports}}</a></p>
        </section>
        """#

    static let error = #"""
        <section class="card narrow">
          <h1>{{heading}}</h1>
          <p>{{message}}</p>
          <p><a href="/app/dashboard">{{t.back_to_dashboard}}</a></p>
        </section>
        """#

    /// The customer list of the search page, of drill-downs and of a funnel's drop-off.
    static let customerTable = #"""
        <div class="table-wrap">
        <table class="list">
          <caption class="sr-only">{{t.customers}}</caption>
          <thead><tr><th scope="col">{{t.id}}</th><th scope="col">{{t.name}}</th><th scope="col">{{t.phone}}</th><th scope="col">{{t.email}}</th><th scope="col">{{t.city}}</th><th scope="col" class="num">{{t.orders}}</th><th scope="col" class="num">{{t.net_spend}}</th><th scope="col">{{t.last_seen}}</th></tr></thead>
          <tbody>
          {{#rows}}<tr><td><a href="/app/customers/{{id}}">#{{id}}</a></td><td><a href="/app/customers/{{id}}">{{name}}</a></td><td>{{phone}}</td><td>{{email}}</td><td>{{city}}</td><td class="num">{{orders}}</td><td class="num">{{spend}}</td><td>{{lastSeen}}</td></tr>{{/rows}}
          {{^rows}}<tr><td colspan="8" class="muted">{{t.no_customers}}</td></tr>{{/rows}}
          </tbody>
        </table>
        </div>
        """#

    /// The tabs of the insights pages (`ConsoleController.insightTabs`).
    static let insightsTabs = #"""
        <h1>{{t.nav_insights}}</h1>
        <nav class="tabs" aria-label="{{t.insights_tabs}}"><ul>
        {{#tabs}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/tabs}}
        </ul></nav>
        """#

    static let insightsRFM = #"""
        {{>insights-tabs}}
        <p class="muted">{{asOf}}</p>
        <div class="grid2">
          <section class="card chart-card" aria-labelledby="h-rfm"><h2 id="h-rfm">{{t.rfm_matrix}}</h2>{{{matrix}}}
            <p class="hint">{{t.rfm_cell_hint}}</p>
            <details><summary>{{t.rfm_cells_table}}</summary>
            <div class="table-wrap"><table class="list compact">
              <thead><tr><th scope="col">{{t.rfm_r}}</th><th scope="col">{{t.rfm_f}}</th><th scope="col" class="num">{{t.customers}}</th><th scope="col" class="num">{{t.rfm_avg_monetary}}</th></tr></thead>
              <tbody>{{#cells}}<tr><td>{{r}}</td><td>{{f}}</td><td class="num"><a href="{{link}}">{{customers}}</a></td><td class="num">{{monetary}}</td></tr>{{/cells}}</tbody>
            </table></div></details>
          </section>
          <section class="card" aria-labelledby="h-seg"><h2 id="h-seg">{{t.rfm_segments}}</h2>
            <div class="table-wrap"><table class="list compact">
              <thead><tr><th scope="col">{{t.segment}}</th><th scope="col" class="num">{{t.customers}}</th><th scope="col" class="num">{{t.customer_share}}</th><th scope="col" class="num">{{t.revenue}}</th><th scope="col" class="num">{{t.revenue_share}}</th></tr></thead>
              <tbody>{{#segments}}<tr><td><a href="{{link}}">{{name}}</a></td><td class="num">{{customers}}</td><td class="num">{{customerShare}}</td><td class="num">{{revenue}}</td><td class="num">{{revenueShare}}</td></tr>{{/segments}}</tbody>
            </table></div>
          </section>
        </div>
        """#

    static let insightsCohorts = #"""
        {{>insights-tabs}}
        <form method="get" action="/app/insights/cohorts" class="inline filters">
          <label for="metric">{{t.cohort_metric}}</label>
          <select id="metric" name="metric" data-autosubmit>{{#metrics}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/metrics}}</select>
          <label for="basis">{{t.cohort_basis}}</label>
          <select id="basis" name="basis" data-autosubmit>{{#bases}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/bases}}</select>
          <noscript><button type="submit">{{t.apply}}</button></noscript>
        </form>
        {{#heat}}<section class="card chart-card"><h2>{{heatTitle}}</h2>{{{heat}}}</section>{{/heat}}
        <section class="card"><h2>{{t.cohort_table}}</h2>
        <div class="table-wrap"><table class="list compact">
          <thead><tr><th scope="col">{{t.cohort}}</th><th scope="col" class="num">{{t.customers}}</th>{{#header}}<th scope="col" class="num">{{label}}</th>{{/header}}</tr></thead>
          <tbody>{{#rows}}<tr><th scope="row">{{month}}</th><td class="num">{{customers}}</td>{{#cells}}<td class="num">{{value}}</td>{{/cells}}</tr>{{/rows}}
          {{^rows}}<tr><td class="muted">{{t.no_data}}</td></tr>{{/rows}}</tbody>
        </table></div></section>
        """#

    static let insightsFunnel = #"""
        {{>insights-tabs}}
        <section class="card">
        <form method="get" action="/app/insights/funnel" class="stack funnel-form">
          <fieldset><legend>{{t.funnel_steps}}</legend>
          {{#stepFields}}<label for="step{{index}}">{{label}}</label><input id="step{{index}}" name="step{{index}}" value="{{value}}">{{/stepFields}}
          </fieldset>
          <label for="window">{{t.funnel_window}}</label>
          <input id="window" name="window" type="number" min="1" max="90" value="{{window}}">
          <label for="days">{{t.period}}</label>
          <select id="days" name="days">{{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periods}}</select>
          <button type="submit" class="primary">{{t.funnel_run}}</button>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        </section>
        <div class="grid2">
        {{#chart}}<section class="card chart-card"><h2>{{t.funnel_title}}</h2>{{{chart}}}</section>{{/chart}}
        {{#hasSteps}}<section class="card"><div class="table-wrap"><table class="list compact">
          <thead><tr><th scope="col">{{t.funnel_event}}</th><th scope="col" class="num">{{t.customers}}</th><th scope="col" class="num">{{t.funnel_conversion}}</th><th scope="col" class="num">{{t.funnel_step_conversion}}</th><th scope="col" class="num">{{t.funnel_dropped}}</th></tr></thead>
          <tbody>{{#steps}}<tr><td>{{event}}</td><td class="num">{{customers}}</td><td class="num">{{conversion}}</td><td class="num">{{stepConversion}}</td><td class="num">{{#dropLink}}<a href="{{dropLink}}">{{dropped}}</a>{{/dropLink}}{{^dropLink}}{{dropped}}{{/dropLink}}</td></tr>{{/steps}}</tbody>
        </table></div></section>{{/hasSteps}}
        </div>
        """#

    static let insightsDropOff = #"""
        {{>insights-tabs}}
        <p class="crumbs"><a href="{{back}}">{{t.funnel_back}}</a></p>
        <p class="note">{{summary}}</p>
        {{#save}}<form method="post" action="/app/insights/funnel/drop-off?{{query}}" class="inline">
          <input type="hidden" name="_csrf" value="{{csrf}}">
          <input type="hidden" name="step" value="{{step}}">
          <label for="tag">{{t.funnel_save_as_tag}}</label>
          <input id="tag" name="tag" value="{{tag}}" required maxlength="100">
          <button type="submit" class="primary">{{t.save}}</button>
        </form>{{/save}}
        {{>customer-table}}
        """#

    static let insightsRepurchase = #"""
        {{>insights-tabs}}
        <form method="get" action="/app/insights/repurchase" class="inline filters">
          <label for="days">{{t.period}}</label>
          <select id="days" name="days" data-autosubmit>{{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periods}}</select>
          <label for="category">{{t.category}}</label>
          <select id="category" name="category" data-autosubmit><option value="">{{t.all_categories}}</option>{{#categories}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/categories}}</select>
          <noscript><button type="submit">{{t.apply}}</button></noscript>
        </form>
        {{#categoriesOmitted}}<p class="muted">{{t.repurchase_categories_omitted}}</p>{{/categoriesOmitted}}
        <ul class="kpis small">{{#figures}}<li class="kpi"><span class="kpi-label">{{label}}</span><strong class="kpi-value">{{value}}</strong></li>{{/figures}}</ul>
        <section class="card chart-card"><h2>{{t.repurchase_title}}</h2>{{{chart}}}</section>
        """#

    static let insightsBasket = #"""
        {{>insights-tabs}}
        <form method="get" action="/app/insights/basket" class="inline filters">
          <label for="days">{{t.period}}</label>
          <select id="days" name="days">{{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periods}}</select>
          <label for="level">{{t.basket_level}}</label>
          <select id="level" name="level">{{#levels}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/levels}}</select>
          <label for="min_support">{{t.basket_min_support}}</label>
          <input id="min_support" name="min_support" type="number" step="0.001" min="0.0001" max="1" value="{{minSupport}}">
          <label for="min_confidence">{{t.basket_min_confidence}}</label>
          <input id="min_confidence" name="min_confidence" type="number" step="0.01" min="0" max="1" value="{{minConfidence}}">
          <label for="min_lift">{{t.basket_min_lift}}</label>
          <input id="min_lift" name="min_lift" type="number" step="0.1" min="0" value="{{minLift}}">
          <button type="submit" class="primary">{{t.apply}}</button>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <p class="muted">{{orders}}</p>
        <section class="card"><div class="table-wrap"><table class="list compact">
          <caption class="sr-only">{{t.insights_tab_basket}}</caption>
          <thead><tr><th scope="col">{{t.basket_if}}</th><th scope="col">{{t.basket_then}}</th><th scope="col" class="num">{{t.orders}}</th><th scope="col" class="num">{{t.basket_support}}</th><th scope="col" class="num">{{t.basket_confidence}}</th><th scope="col" class="num">{{t.basket_lift}}</th></tr></thead>
          <tbody>{{#rules}}<tr><td>{{antecedent}}</td><td>{{consequent}}</td><td class="num">{{orders}}</td><td class="num">{{support}}</td><td class="num">{{confidence}}</td><td class="num">{{lift}}</td></tr>{{/rules}}
          {{^rules}}<tr><td colspan="6" class="muted">{{t.basket_no_rules}}</td></tr>{{/rules}}</tbody>
        </table></div></section>
        """#

    static let insightsPredictions = #"""
        {{>insights-tabs}}
        <p class="muted">{{buyers}}</p>
        <div class="grid2">
          <section class="card chart-card"><h2>{{t.churn_distribution}}</h2>{{{churn}}}</section>
          {{#clv}}<section class="card chart-card"><h2>{{t.clv_distribution}}</h2>{{{clv}}}</section>{{/clv}}
        </div>
        <section class="card"><h2>{{t.predictive_tags}}</h2>
          <table class="list compact"><thead><tr><th scope="col">{{t.tag}}</th><th scope="col" class="num">{{t.customers}}</th></tr></thead>
          <tbody>{{#tags}}<tr><td>{{#path}}<a href="/app/customers?tag={{path}}">{{name}}</a>{{/path}}{{^path}}{{name}}{{/path}}</td><td class="num">{{size}}</td></tr>{{/tags}}</tbody></table>
        </section>
        """#

    static let audit = #"""
        <h1>{{t.audit_log}}</h1>
        {{#chainOK}}<p class="note ok" role="status">✓ {{chainOK}}</p>{{/chainOK}}
        {{#chainBroken}}<p class="error" role="alert">✗ {{chainBroken}}</p>{{/chainBroken}}
        <form method="get" action="/app/audit" class="inline filters" role="search">
          <label for="actor">{{t.audit_actor}}</label><input id="actor" name="actor" value="{{actor}}" maxlength="200">
          <label for="action">{{t.audit_action}}</label><input id="action" name="action" value="{{action}}" maxlength="200">
          <label for="target">{{t.audit_target}}</label><input id="target" name="target" value="{{target}}" maxlength="200">
          <label for="since">{{t.audit_since}}</label><input id="since" name="since" type="date" value="{{since}}">
          <label for="until">{{t.audit_until}}</label><input id="until" name="until" type="date" value="{{until}}">
          <button type="submit" class="primary">{{t.search}}</button>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <div class="table-wrap"><table class="list compact audit">
          <caption class="sr-only">{{t.audit_log}}</caption>
          <thead><tr><th scope="col" class="num">#</th><th scope="col">{{t.when}}</th><th scope="col">{{t.audit_actor}}</th><th scope="col">{{t.audit_action}}</th><th scope="col">{{t.audit_target}}</th><th scope="col">{{t.audit_source_ip}}</th><th scope="col">{{t.audit_detail}}</th></tr></thead>
          <tbody>{{#entries}}<tr><td class="num">{{sequence}}</td><td class="when">{{at}}</td><td>{{actor}}</td><td><code>{{action}}</code></td><td>{{target}}</td><td>{{sourceIP}}</td><td class="detail">{{detail}}</td></tr>{{/entries}}
          {{^entries}}<tr><td colspan="7" class="muted">{{t.audit_none}}</td></tr>{{/entries}}</tbody>
        </table></div>
        {{>pager}}
        """#

    static let breakdownCustomers = #"""
        <p class="crumbs"><a href="/app/dashboard">{{t.dashboard}}</a></p>
        <p class="note">{{summary}}</p>
        {{>customer-table}}
        """#

    static let insightsROI = #"""
        {{>insights-tabs}}
        <form method="get" action="/app/insights/roi" class="inline filters">
          <label for="days">{{t.period}}</label>
          <select id="days" name="days">{{#periods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/periods}}</select>
          <label for="model">{{t.roi_model}}</label>
          <select id="model" name="model">{{#models}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/models}}</select>
          <label for="window">{{t.roi_window}}</label>
          <select id="window" name="window">{{#windows}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/windows}}</select>
          <button type="submit" class="primary">{{t.apply}}</button>
        </form>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <ul class="kpis small">{{#figures}}<li class="kpi"><span class="kpi-label">{{label}}</span><strong class="kpi-value">{{value}}</strong></li>{{/figures}}</ul>
        <div class="grid2">
        {{#chart}}<section class="card chart-card"><h2>{{t.roi_chart}}</h2>{{{chart}}}</section>{{/chart}}
        {{#costForm}}<section class="card" id="cost-form" aria-labelledby="h-cost"><h2 id="h-cost">{{t.roi_cost_form}}</h2>
          <form method="post" action="/app/insights/roi/cost?{{query}}" class="stack edit-form">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <label for="campaign">{{t.roi_campaign}}</label>
            <input id="campaign" name="campaign" value="{{campaign}}" list="campaign-names" required maxlength="200">
            <datalist id="campaign-names">{{#campaigns}}<option value="{{.}}">{{/campaigns}}</datalist>
            <label for="cost">{{t.roi_cost}} (¥) <span class="hint">{{t.roi_cost_hint}}</span></label>
            <input id="cost" name="cost" value="{{cost}}" inputmode="decimal"{{#error}} aria-invalid="true" aria-describedby="cost-error"{{/error}}>
            {{#error}}<p class="error" role="alert" id="cost-error">{{error}}</p>{{/error}}
            <div><button type="submit" class="primary">{{t.save}}</button></div>
          </form>
        </section>{{/costForm}}
        </div>
        <section class="card"><h2>{{t.roi_table}}</h2><div class="table-wrap"><table class="list compact roi">
          <thead><tr><th scope="col">{{t.roi_campaign}}</th><th scope="col">{{t.roi_source}}</th><th scope="col" class="num">{{t.roi_touches}}</th><th scope="col" class="num">{{t.roi_buyers}}</th><th scope="col" class="num">{{t.orders}}</th><th scope="col" class="num">{{t.revenue}}</th><th scope="col" class="num">{{t.roi_cost}}</th><th scope="col" class="num">{{t.roi_roi}}</th></tr></thead>
          <tbody>{{#rows}}<tr><th scope="row">{{campaign}}{{#editLink}} <a href="{{editLink}}" class="small" aria-label="{{editLabel}}">{{t.edit}}</a>{{/editLink}}</th><td>{{source}}</td><td class="num">{{touches}}</td><td class="num">{{buyers}}</td><td class="num">{{orders}}</td><td class="num">{{revenue}}</td><td class="num">{{cost}}</td><td class="num{{#gain}} gain{{/gain}}{{#loss}} loss{{/loss}}">{{roi}}</td></tr>{{/rows}}
          {{^rows}}<tr><td colspan="8" class="muted">{{t.no_data}}</td></tr>{{/rows}}</tbody>
        </table></div>
        <p class="hint">{{t.roi_hint}}</p></section>
        """#
}
