/// The dashboard's templates, registered with the pages' (`PageTemplates`). As there, every
/// `{{value}}` is escaped and nothing has inline script or style; the charts are SVG elements
/// whose numbers the server computed (`DashboardCharts`), styled by class from the stylesheet.
enum DashboardTemplates {
    static let sources: [String: String] = [
        "dashboard_nav": nav, "dashboard_bar": bar, "dashboard_sign_in": signIn,
        "dashboard_organizations": organizations, "dashboard_overview": overview, "dashboard_customers": customers,
        "dashboard_customer": customer, "dashboard_pool": pool, "dashboard_deliveries": deliveries,
        "dashboard_branding": branding, "dashboard_history": history,
    ]

    /// Above every signed-in page: whose dashboard, the sections the scopes reach, sign-out.
    static let nav = """
        <nav class="dashboard-nav" aria-label="Dashboard">
        <p class="dashboard-who">{{#has_organization}}<strong>{{organization_name}}</strong> · {{/has_organization}}signed in as {{signed_in_as}}</p>
        <ul>
        {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{title}}</a></li>{{/nav}}
        </ul>
        {{#is_operator}}{{#has_organization}}
        <form method="post" action="/dashboard/organization" class="inline switch">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="switch-slug">Organization</label>
        <input type="text" id="switch-slug" name="slug" required autocomplete="off" spellcheck="false" size="14">
        <button type="submit" class="button small">Switch</button>
        </form>
        {{/has_organization}}{{/is_operator}}
        <form method="post" action="/dashboard/sign-out" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="button link">Sign out</button>
        </form>
        </nav>

        """

    /// A utilisation bar; its words are on the page, so the picture itself is hidden from screen readers.
    static let bar = """
        <div class="bar-chart">
        <svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" width="100%" height="12" aria-hidden="true" focusable="false"><rect class="bar-track" width="100" height="8"></rect><rect class="bar-fill" width="{{used_width}}" height="8"></rect></svg>
        <p class="bar-label">{{label}}</p>
        </div>

        """

    static let signIn = """
        <section class="card" aria-labelledby="page-heading">
        <h1 id="page-heading">Sign in to the dashboard</h1>
        {{#has_error}}<p class="notice error" role="alert">{{error}}</p>{{/has_error}}
        <form method="post" action="/dashboard/sign-in" class="assign">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="token">Organization access token, or the operator token</label>
        <div class="assign-row">
        <input type="password" id="token" name="token" required autocomplete="off" spellcheck="false">
        <button type="submit" class="button primary">Sign in</button>
        </div>
        </form>
        <p class="hint">The token is exchanged for a session of this browser that lasts at most eight hours and ends when the token is deleted. The token's scopes decide what you may change here.</p>
        </section>

        """

    static let organizations = """
        {{> dashboard_nav}}
        <h1 id="page-heading">Pick an organization</h1>
        {{#has_error}}<p class="notice error" role="alert">{{error}}</p>{{/has_error}}
        <form method="post" action="/dashboard/organization" class="assign">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="slug">Organization slug</label>
        <div class="assign-row">
        <input type="text" id="slug" name="slug" required autocomplete="off" spellcheck="false">
        <button type="submit" class="button primary">Open</button>
        </div>
        </form>
        <ul class="organizations">
        {{#organizations}}
        <li><form method="post" action="/dashboard/organization" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="slug" value="{{slug}}">
        <button type="submit" class="button link">{{name}}</button> <span class="muted">{{slug}}</span>
        </form></li>
        {{/organizations}}
        {{^organizations}}<li class="muted">No organizations yet: create one with the operator API or <code>tessera organizations create</code>.</li>{{/organizations}}
        </ul>

        """

    static let overview = """
        {{> dashboard_nav}}
        <h1 id="page-heading">Overview</h1>
        <div class="tiles">
        <section class="tile" aria-labelledby="seats-heading">
        <h2 id="seats-heading">Seats</h2>
        <p class="figure">{{seats_used}} <span>of {{seats_total}} used</span></p>
        {{#utilisation}}{{> dashboard_bar}}{{/utilisation}}
        <p class="hint">Pools with seats (active subscriptions and paid orders): {{pools}}.</p>
        {{#totals_as_of}}<p class="hint">As of <time datetime="{{iso}}">{{text}}</time>.</p>{{/totals_as_of}}
        </section>
        <section class="tile" aria-labelledby="invitations-heading">
        <h2 id="invitations-heading">Invitations pending</h2>
        <p class="figure">{{pending}}</p>
        <p class="hint">{{expiring_soon}} of them expire within a day{{#has_expired}}; {{expired}} have expired and need re-sending{{/has_expired}}.</p>
        </section>
        <section class="tile" aria-labelledby="waiting-heading">
        <h2 id="waiting-heading">Waiting to be delivered</h2>
        <dl class="facts">
        <div><dt>Oldest email</dt><dd>{{#has_oldest_email}}{{oldest_email}}{{/has_oldest_email}}{{^has_oldest_email}}none waiting{{/has_oldest_email}}</dd></div>
        <div><dt>Oldest webhook event</dt><dd>{{#has_oldest_webhook}}{{oldest_webhook}}{{/has_oldest_webhook}}{{^has_oldest_webhook}}none waiting{{/has_oldest_webhook}}</dd></div>
        </dl>
        </section>
        <section class="tile wide" aria-labelledby="claims-heading">
        <h2 id="claims-heading">Claims, last 30 days</h2>
        <p class="figure">{{claims_total}}</p>
        {{#claims_chart}}
        <svg class="line-chart" viewBox="0 0 {{width}} {{height}}" preserveAspectRatio="none" width="100%" height="100" role="img" aria-labelledby="claims-title"><title id="claims-title">{{label}}</title><line class="axis" x1="0" y1="92" x2="{{width}}" y2="92"></line><polyline class="line" fill="none" points="{{points}}"></polyline></svg>
        <p class="axis-labels"><span>{{first_day}}</span><span>most in a day: {{largest}}</span><span>{{last_day}}</span></p>
        <details><summary>Claims by day</summary>
        <table class="compact"><thead><tr><th scope="col">Day</th><th scope="col">Claims</th></tr></thead>
        <tbody>{{#rows}}<tr><td>{{day}}</td><td>{{count}}</td></tr>{{/rows}}</tbody></table>
        </details>
        {{/claims_chart}}
        </section>
        <section class="tile wide" aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Webhook deliveries, last 24 hours</h2>
        <p class="figure">{{delivery_rate}}</p>
        <p class="hint">{{deliveries_succeeded}} delivered, {{deliveries_failed}} failed attempts.</p>
        {{#delivery_strip}}
        <svg class="strip" viewBox="0 0 {{width}} 20" preserveAspectRatio="none" width="100%" height="20" role="img" aria-labelledby="deliveries-title"><title id="deliveries-title">{{label}}</title>{{#cells}}<rect class="cell {{state}}" x="{{x}}" width="9" height="20"><title>{{text}}</title></rect>{{/cells}}</svg>
        <details><summary>Deliveries by hour</summary>
        <ul>{{#rows}}<li>{{text}}</li>{{/rows}}{{^rows}}<li class="muted">No delivery attempts.</li>{{/rows}}</ul>
        </details>
        {{/delivery_strip}}
        </section>
        </div>

        """

    static let customers = """
        {{> dashboard_nav}}
        <h1 id="page-heading">Customers</h1>
        <form method="get" action="/dashboard/customers" class="assign" role="search">
        <label for="q">Find a customer by email or external id</label>
        <div class="assign-row">
        <input type="search" id="q" name="q" value="{{search}}" autocomplete="off">
        <button type="submit" class="button">Search</button>
        </div>
        </form>
        {{#has_search}}<p><a href="/dashboard/customers">Show all customers</a></p>{{/has_search}}
        <table class="seats">
        <caption>{{#has_search}}Customers with that email or external id{{/has_search}}{{^has_search}}Customers, newest first{{/has_search}}</caption>
        <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">External id</th><th scope="col">Created</th></tr></thead>
        <tbody>
        {{#customers}}
        <tr><th scope="row" data-label="Email"><a href="/dashboard/customers/{{id}}">{{email}}</a></th><td data-label="Name">{{name}}</td><td data-label="External id">{{external_id}}</td><td data-label="Created">{{#created}}<time datetime="{{iso}}">{{text}}</time>{{/created}}</td></tr>
        {{/customers}}
        {{^customers}}<tr><td colspan="4" class="muted">No customers{{#has_search}} with that email or external id{{/has_search}}.</td></tr>{{/customers}}
        </tbody>
        </table>
        {{#is_later_page}}<a class="page-link" href="/dashboard/customers">Back to the newest</a>{{/is_later_page}}
        {{#next_href}}<a class="page-link" rel="next" href="{{next_href}}">Older customers</a>{{/next_href}}

        """

    static let customer = """
        {{> dashboard_nav}}
        <p><a href="/dashboard/customers">All customers</a></p>
        <h1 id="page-heading">{{customer_email}}</h1>
        <dl class="facts">
        <div><dt>Name</dt><dd>{{customer_name}}</dd></div>
        <div><dt>External id</dt><dd>{{customer_external_id}}</dd></div>
        <div><dt>Customer id</dt><dd><code>{{customer_id}}</code></dd></div>
        </dl>
        <h2>Seat pools</h2>
        {{#pools}}
        <section class="pool" aria-label="{{product_name}}, {{kind_label}}">
        <h3><a href="{{href}}">{{product_name}}</a></h3>
        <p class="pool-summary">{{kind_label}} · {{status}} · since {{#created}}<time datetime="{{iso}}">{{text}}</time>{{/created}}</p>
        {{#utilisation}}{{> dashboard_bar}}{{/utilisation}}
        </section>
        {{/pools}}
        {{^has_pools}}<p class="notice">This customer has no subscriptions or orders with seats.</p>{{/has_pools}}

        """

    static let pool = """
        {{> dashboard_nav}}
        <p><a href="{{customer_href}}">{{customer_email}}</a></p>
        <h1 id="page-heading">{{product_name}}</h1>
        <p class="pool-summary">{{kind_label}} · <span class="used">{{used}} of {{total}} seats used</span>, <span class="free">{{free}} free</span></p>
        {{#utilisation}}{{> dashboard_bar}}{{/utilisation}}
        {{#has_notice}}<p class="notice success" role="status">{{notice}}</p>{{/has_notice}}
        {{#has_error}}<div class="notice error" role="alert"><h2>{{error_heading}}</h2><p>{{error_message}}</p></div>{{/has_error}}
        <table class="seats">
        <caption>Seats of {{product_name}}, oldest first</caption>
        <thead><tr><th scope="col">Person</th><th scope="col">Status</th><th scope="col">Assigned</th><th scope="col">Claimed or revoked</th>{{#may_change_seats}}<th scope="col">Actions</th>{{/may_change_seats}}</tr></thead>
        <tbody>
        {{#seats}}
        <tr id="seat-{{seat_id}}" class="seat status-{{status}}">
        <th scope="row" data-label="Person">{{#has_email}}{{email}}{{/has_email}}{{^has_email}}<span class="muted">Free seat</span>{{/has_email}}</th>
        <td data-label="Status"><span class="badge {{status}}">{{status}}</span></td>
        <td data-label="Assigned">{{#assigned}}<time datetime="{{iso}}">{{text}}</time>{{/assigned}}</td>
        <td data-label="Claimed or revoked">{{#claimed}}claimed <time datetime="{{iso}}">{{text}}</time>{{/claimed}}{{#revoked}}revoked <time datetime="{{iso}}">{{text}}</time>{{/revoked}}
        <a class="history-link" href="/dashboard/seats/{{seat_id}}/history" aria-label="History of the seat{{#has_email}} of {{email}}{{/has_email}}">History</a></td>
        {{#may_change_seats}}
        <td data-label="Actions" class="actions">
        {{#can_resend}}<form method="post" action="/dashboard/seats/{{seat_id}}/resend" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="button small" aria-label="Re-send the invitation to {{email}}">Re-send</button></form>{{/can_resend}}
        {{#can_revoke}}<form method="post" action="/dashboard/seats/{{seat_id}}/revoke" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="button small danger" aria-label="Revoke the seat of {{email}}">Revoke</button></form>{{/can_revoke}}
        </td>
        {{/may_change_seats}}
        </tr>
        {{/seats}}
        {{^seats}}<tr><td colspan="{{columns}}" class="muted">No seats assigned yet.</td></tr>{{/seats}}
        </tbody>
        </table>
        {{#is_later_page}}<a class="page-link" href="{{pool_path}}">Back to the first seats</a>{{/is_later_page}}
        {{#next_href}}<a class="page-link" rel="next" href="{{next_href}}">Show the next seats</a>{{/next_href}}
        {{#can_assign}}
        <form method="post" action="{{pool_path}}/seats" class="assign">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="{{pool_field}}" value="{{pool_id}}">
        <label for="email">Invite someone by email</label>
        <div class="assign-row">
        <input type="email" id="email" name="email" required autocomplete="off" inputmode="email" maxlength="320">
        <button type="submit" class="button primary">Assign seat</button>
        </div>
        </form>
        {{/can_assign}}
        {{#may_resize}}
        <form method="post" action="{{pool_path}}/seat-count" class="assign">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="seats">Seats bought</label>
        <div class="assign-row">
        <input type="number" id="seats" name="seats" min="1" required value="{{total}}">
        <button type="submit" class="button">Change the seat count</button>
        </div>
        </form>
        {{/may_resize}}

        """

    static let deliveries = """
        {{> dashboard_nav}}
        <h1 id="page-heading">Deliveries</h1>
        {{#has_notice}}<p class="notice success" role="status">{{notice}}</p>{{/has_notice}}
        <h2>Webhook endpoints</h2>
        {{#endpoints}}
        <section class="pool endpoint{{#is_failing}} failing{{/is_failing}}" aria-labelledby="endpoint-{{id}}">
        <h3 id="endpoint-{{id}}">{{#name}}{{name}} · {{/name}}<code>{{url}}</code></h3>
        <p class="pool-summary"><span class="badge {{#is_failing}}failed{{/is_failing}}{{^is_failing}}claimed{{/is_failing}}">{{state}}</span> · {{failed_in_row}} events failed in a row</p>
        <table class="seats">
        <caption>Latest delivery attempts to this endpoint, newest first</caption>
        <thead><tr><th scope="col">Event</th><th scope="col">Result</th><th scope="col">When</th><th scope="col">Duration</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
        {{#attempts}}
        <tr class="delivery {{result}}">
        <th scope="row" data-label="Event">{{event_type}}</th>
        <td data-label="Result"><span class="badge {{result}}">{{result}}</span> {{detail}}</td>
        <td data-label="When">{{#when}}<time datetime="{{iso}}">{{text}}</time>{{/when}}</td>
        <td data-label="Duration">{{duration}}</td>
        <td data-label="Actions">{{#may_redeliver}}<form method="post" action="/dashboard/events/{{event_id}}/redeliver" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="button small">Redeliver</button></form>{{/may_redeliver}}</td>
        </tr>
        {{/attempts}}
        {{^attempts}}<tr><td colspan="5" class="muted">No delivery attempts yet.</td></tr>{{/attempts}}
        </tbody>
        </table>
        </section>
        {{/endpoints}}
        {{^has_endpoints}}<p class="notice">No webhook endpoints: add one with <code>POST /v1/webhooks/endpoints</code>.</p>{{/has_endpoints}}
        <h2 id="emails">Emails that failed</h2>
        <table class="seats">
        <caption>Invitation emails that could not be delivered, newest first, with the last error</caption>
        <thead><tr><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Last error</th><th scope="col">Queued</th></tr></thead>
        <tbody>
        {{#failed_emails}}
        <tr><th scope="row" data-label="To">{{to}}</th><td data-label="Subject">{{subject}}</td><td data-label="Last error">{{error}} <span class="muted">({{attempts}} attempts)</span></td><td data-label="Queued">{{#when}}<time datetime="{{iso}}">{{text}}</time>{{/when}}</td></tr>
        {{/failed_emails}}
        {{^failed_emails}}<tr><td colspan="4" class="muted">No failed emails.</td></tr>{{/failed_emails}}
        </tbody>
        </table>
        {{#is_later_page}}<a class="page-link" href="/dashboard/deliveries#emails">Back to the newest</a>{{/is_later_page}}
        {{#next_href}}<a class="page-link" rel="next" href="{{next_href}}">Older failed emails</a>{{/next_href}}

        """

    static let history = """
        {{> dashboard_nav}}
        <h1 id="page-heading">History of a seat</h1>
        {{#pool_href}}<p><a href="{{pool_href}}">Back to the pool</a></p>{{/pool_href}}
        <table class="history seats">
        <caption>Changes to this seat, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">By</th><th scope="col">Holder</th></tr></thead>
        <tbody>
        {{#events}}
        <tr class="event {{type}}"><td data-label="When"><time datetime="{{iso}}">{{when}}</time></td><td data-label="What">{{what}}</td><td data-label="By">{{by}}</td><td data-label="Holder">{{holder}}</td></tr>
        {{/events}}
        {{^events}}<tr><td colspan="4" class="muted">No changes recorded.</td></tr>{{/events}}
        </tbody>
        </table>
        {{#older_href}}<p><a href="{{older_href}}">Older changes</a></p>{{/older_href}}

        """

    static let branding = """
        {{> dashboard_nav}}
        <h1 id="page-heading">Branding</h1>
        {{#has_notice}}<p class="notice success" role="status">{{notice}}</p>{{/has_notice}}
        {{#has_problems}}<div class="notice error" role="alert"><h2>Please check the form</h2>{{#problems}}<p>{{.}}</p>{{/problems}}</div>{{/has_problems}}
        <p>The claim page, the customer portal and invitation emails show the organization's name, logo and accent colour in place of Tessera's mark. A field left blank is cleared.</p>
        {{#may_change}}
        <form method="post" action="/dashboard/branding" class="assign branding">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="display_name">Display name</label>
        <input type="text" id="display_name" name="display_name" value="{{display_name}}" maxlength="100" autocomplete="off">
        <label for="logo_url">Logo URL (https)</label>
        <input type="url" id="logo_url" name="logo_url" value="{{logo_url}}" maxlength="2048" autocomplete="off">
        <label for="accent_color">Accent colour (#rrggbb)</label>
        <input type="text" id="accent_color" name="accent_color" value="{{accent_color}}" maxlength="7" pattern="#[0-9a-fA-F]{6}" autocomplete="off">
        <button type="submit" class="button primary">Save branding</button>
        </form>
        {{/may_change}}
        {{^may_change}}
        <dl class="facts">
        <div><dt>Display name</dt><dd>{{display_name}}</dd></div>
        <div><dt>Logo URL</dt><dd>{{logo_url}}</dd></div>
        <div><dt>Accent colour</dt><dd>{{accent_color}}</dd></div>
        </dl>
        <p class="hint">Only the operator changes branding (here, or with <code>PATCH /v1/organizations/{id}</code>).</p>
        {{/may_change}}

        """

    /// The dashboard's part of the stylesheet.
    static let css = """

        .dashboard-nav { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; margin-bottom: 1rem;
                         padding-bottom: 0.5rem; border-bottom: 1px solid var(--line); }
        .dashboard-nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; flex: 1 1 auto; }
        .dashboard-nav a[aria-current="page"] { font-weight: 600; color: var(--ink); text-decoration: none; }
        .dashboard-who { margin: 0; color: var(--muted); flex: 1 1 100%; }
        .dashboard-nav .switch input { font: inherit; padding: 0.25rem; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
        .tile { background: var(--card); border: 1px solid var(--line); border-radius: 0.5rem; padding: 1rem; }
        .tile.wide { grid-column: 1 / -1; }
        .figure { font-size: 2rem; font-weight: 600; margin: 0; }
        .figure span { font-size: 1rem; font-weight: normal; color: var(--muted); }
        .bar-chart { margin: 0.5rem 0; }
        .bar-track { fill: var(--line); }
        .bar-fill { fill: var(--accent); }
        .bar-label { margin: 0.25rem 0 0; font-size: 0.9rem; color: var(--muted); }
        .line-chart .axis { stroke: var(--line); stroke-width: 1; }
        .line-chart .line { stroke: var(--accent); stroke-width: 2; vector-effect: non-scaling-stroke; }
        .axis-labels { display: flex; justify-content: space-between; margin: 0; font-size: 0.85rem; color: var(--muted); }
        .strip .cell.none { fill: var(--line); }
        .strip .cell.ok { fill: var(--ok); }
        .strip .cell.mixed { fill: #d49a00; }
        .strip .cell.failed { fill: var(--danger); }
        table.compact { border-collapse: collapse; }
        table.compact td, table.compact th { padding: 0.15rem 0.75rem 0.15rem 0; text-align: left; }
        ul.organizations { padding-left: 1.25rem; }
        section.pool h3 { margin: 0; }
        section.endpoint.failing { border-left: 4px solid var(--danger); padding-left: 0.75rem; }
        .badge.failed { color: var(--danger); }
        .badge.delivered { color: var(--ok); }
        form.branding input { display: block; width: 100%; max-width: 30rem; font: inherit; padding: 0.5rem;
                              border: 1px solid #8a93a5; border-radius: 0.375rem; margin-bottom: 0.75rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }

        """
}
