import Mustache

/// The HTML of the claim page and the customer portal, as Mustache templates kept in Swift
/// string literals (no resource bundle to find at run time), compiled once at start-up.
///
/// `{{value}}` escapes HTML (`& < > " '`, by ``HTMLText``). The layout's two unescaped
/// insertions are `{{{content}}}`, the output of another template, and `{{{brand_style}}}`, CSS
/// made from `Branding`'s checked colour and allowed by its hash in the Content-Security-Policy.
/// No template has script, and no other inline style: the policy allows neither.
enum PageTemplates {
    /// Every template, by name, each escaping `{{value}}` with ``HTMLText/escape(_:)``. A
    /// template that fails to parse is a programming error caught by the first test that
    /// renders a page.
    static let library: MustacheLibrary = {
        MustacheContentTypes.register(HTMLText.ContentType(), named: HTMLText.ContentType.name)
        var library = MustacheLibrary()
        for (name, text) in sources {
            do {
                try library.register("{{% CONTENT_TYPE: \(HTMLText.ContentType.name)}}" + text, named: name)
            } catch {
                preconditionFailure("template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    static let sources: [String: String] = [
        "layout": layout, "message": message, "claim": claim, "claimed": claimed, "portal": portal, "history": history,
    ].merging(DashboardTemplates.sources) { page, _ in page }

    /// The page around every template: `title`, `heading_context` (the organization, when known)
    /// and `content` (already rendered HTML).
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{title}} · {{site_name}}</title>
        <link rel="stylesheet" href="/_static/tessera.css">
        {{#brand_style}}<style>{{{brand_style}}}</style>{{/brand_style}}
        </head>
        <body>
        <header class="site">
        <p class="site-name">{{#logo_url}}<img class="logo" src="{{logo_url}}" alt="" height="32">{{/logo_url}}{{site_name}}</p>
        </header>
        <main id="main">
        {{{content}}}
        </main>
        <footer class="site"><p>Seats managed with Tessera.</p></footer>
        </body>
        </html>

        """

    /// A page that only says something: an invalid link, a refused form, a sign-in request.
    static let message = """
        <section class="card {{tone}}" aria-labelledby="page-heading">
        <h1 id="page-heading">{{heading}}</h1>
        {{#paragraphs}}
        <p>{{.}}</p>
        {{/paragraphs}}
        {{#has_link}}
        <p><a class="button" href="{{link_href}}">{{link_text}}</a></p>
        {{/has_link}}
        </section>

        """

    /// The invitation: who invites whom to what, and the button that claims it.
    static let claim = """
        <section class="card" aria-labelledby="page-heading">
        <h1 id="page-heading">You're invited to {{product_name}}</h1>
        <p><strong>{{organization_name}}</strong> has a seat for you.</p>
        <dl class="facts">
        <div><dt>Organization</dt><dd>{{organization_name}}</dd></div>
        <div><dt>Product</dt><dd>{{product_name}}</dd></div>
        <div><dt>Invited email</dt><dd>{{email}}</dd></div>
        </dl>
        <form method="post" action="/{{slug}}/portal/claim">
        <input type="hidden" name="token" value="{{token}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="button primary">Claim seat</button>
        </form>
        <p class="hint">Claiming gives this email address access to {{product_name}}. Nothing happens until you press the button.</p>
        </section>

        """

    /// After a claim: what the person now has, and the way into the portal.
    static let claimed = """
        <section class="card success" aria-labelledby="page-heading">
        <h1 id="page-heading">Seat claimed</h1>
        <p>You now have a seat for <strong>{{product_name}}</strong> from <strong>{{organization_name}}</strong>, as {{email}}.</p>
        <p><a class="button primary" href="{{portal_href}}">Open the seat portal</a></p>
        <p class="hint">The portal link signs you in for an hour. There you can see your seats and, if your team bought them, hand them out.</p>
        </section>

        """

    /// The portal: the customer's seat pools, their seats and the forms that change them.
    static let portal = """
        <div class="portal-head">
        <h1 id="page-heading">Seats at {{organization_name}}</h1>
        <p class="signed-in">Signed in as <strong>{{viewer_email}}</strong>{{#viewer_role}} ({{viewer_role}}){{/viewer_role}}.</p>
        <form method="post" action="/{{slug}}/portal/sign-out" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="button link">Sign out</button>
        </form>
        </div>
        {{#has_notice}}
        <p class="notice success" role="status">{{notice}}</p>
        {{/has_notice}}
        {{#has_error}}
        <div class="notice error" role="alert">
        <h2>{{error_heading}}</h2>
        <p>{{error_message}}</p>
        </div>
        {{/has_error}}
        {{#has_bulk}}
        <div class="notice success bulk-outcome" role="status">
        <p>{{bulk_summary}}</p>
        {{#has_bulk_failures}}
        <ul>
        {{#bulk_failures}}
        <li><strong>{{email}}</strong>: {{reason}}</li>
        {{/bulk_failures}}
        </ul>
        {{/has_bulk_failures}}
        </div>
        {{/has_bulk}}
        {{^can_manage}}
        <p class="notice">You can see your team's seats. Only an owner or billing manager of your team can assign, re-send or revoke them.</p>
        {{/can_manage}}
        {{#has_pools}}
        {{#pools}}
        <section class="pool" id="pool-{{pool_id}}" aria-labelledby="pool-heading-{{pool_id}}">
        <h2 id="pool-heading-{{pool_id}}">{{product_name}}</h2>
        <p class="pool-summary">{{kind_label}} · {{status_label}} · <span class="used">{{used}} of {{total}} seats used</span>, <span class="free">{{free}} free</span></p>
        <table class="seats">
        <caption>Seats of {{product_name}} ({{kind_label}})</caption>
        <thead>
        <tr><th scope="col">Person</th><th scope="col">Status</th><th scope="col">Assigned</th><th scope="col">Claimed</th><th scope="col">Revoked</th>{{#can_manage}}<th scope="col">Actions</th>{{/can_manage}}</tr>
        </thead>
        <tbody>
        {{#seats}}
        <tr id="seat-{{seat_id}}" class="seat status-{{status}}">
        <th scope="row" data-label="Person">{{#has_person}}{{#has_name}}<span class="person-name">{{person_name}}</span> {{/has_name}}<span class="person-email">{{person_email}}</span>{{/has_person}}{{^has_person}}<span class="muted">Free seat</span>{{/has_person}}</th>
        <td data-label="Status"><span class="badge {{status}}">{{status_label}}</span></td>
        <td data-label="Assigned">{{#assigned}}<time datetime="{{iso}}">{{text}}</time>{{/assigned}}</td>
        <td data-label="Claimed">{{#claimed}}<time datetime="{{iso}}">{{text}}</time>{{/claimed}}{{^claimed}}<span class="muted">—</span>{{/claimed}}</td>
        <td data-label="Revoked">{{#revoked}}<time datetime="{{iso}}">{{text}}</time>{{/revoked}}{{^revoked}}<span class="muted">—</span>{{/revoked}}
        <a class="history-link" href="/{{slug}}/portal/seats/{{seat_id}}/history" aria-label="Seat history{{#has_person}} of {{person_email}}{{/has_person}}">History</a></td>
        {{#can_manage}}
        <td data-label="Actions" class="actions">
        {{#can_resend}}
        <form method="post" action="/{{slug}}/portal/seats/{{seat_id}}/resend" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="button small" aria-label="Re-send the invitation to {{person_email}}">Re-send</button>
        </form>
        {{/can_resend}}
        {{#can_revoke}}
        <form method="post" action="/{{slug}}/portal/seats/{{seat_id}}/revoke" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="button small danger" aria-label="Revoke the seat of {{person_email}}">Revoke</button>
        </form>
        {{/can_revoke}}
        </td>
        {{/can_manage}}
        </tr>
        {{/seats}}
        {{^seats}}
        <tr><td colspan="{{columns}}" class="muted">No seats assigned yet.</td></tr>
        {{/seats}}
        </tbody>
        </table>
        {{#is_later_page}}<a class="page-link" href="{{first_href}}">Back to the first seats</a>{{/is_later_page}}
        {{#has_next}}<a class="page-link" href="{{next_href}}" rel="next">Show the next seats</a>{{/has_next}}
        {{#can_manage}}
        {{#can_assign}}
        <form method="post" action="/{{slug}}/portal/seats" class="assign">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="{{pool_field}}" value="{{pool_id}}">
        <label for="email-{{pool_id}}">Invite someone by email</label>
        <div class="assign-row">
        <input type="email" id="email-{{pool_id}}" name="email" required autocomplete="off" inputmode="email" maxlength="320" value="{{form_email}}">
        <button type="submit" class="button primary">Assign seat</button>
        </div>
        </form>
        <details class="bulk">
        <summary>Invite several people at once</summary>
        <form method="post" action="/{{slug}}/portal/seats/bulk" class="assign">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="{{pool_field}}" value="{{pool_id}}">
        <label for="emails-{{pool_id}}">Email addresses, one per line or separated by commas</label>
        <textarea id="emails-{{pool_id}}" name="emails" rows="5" required autocomplete="off"></textarea>
        <button type="submit" class="button primary">Assign seats</button>
        </form>
        </details>
        {{/can_assign}}
        {{^can_assign}}
        <p class="hint">{{assign_blocked}}</p>
        {{/can_assign}}
        {{/can_manage}}
        </section>
        {{/pools}}
        {{/has_pools}}
        {{^has_pools}}
        <p class="notice">There are no seat plans billed to you at {{organization_name}}.</p>
        {{/has_pools}}
        {{#has_held}}
        <section class="held" aria-labelledby="held-heading">
        <h2 id="held-heading">Seats you hold</h2>
        <ul>
        {{#held}}
        <li>{{product_name}} <span class="muted">(claimed {{claimed_text}})</span></li>
        {{/held}}
        </ul>
        </section>
        {{/has_held}}

        """

    /// A seat's history: `events` (each `when`, `what`, `by`, `holder`), newest first.
    static let history = """
        <h1 id="page-heading">History of a seat</h1>
        <p><a href="/{{slug}}/portal">Back to your seats</a></p>
        <table class="history">
        <caption>Changes to this seat, newest first</caption>
        <thead>
        <tr><th scope="col">When</th><th scope="col">What</th><th scope="col">By</th><th scope="col">Holder</th></tr>
        </thead>
        <tbody>
        {{#events}}
        <tr class="event {{type}}">
        <td data-label="When"><time datetime="{{iso}}">{{when}}</time></td>
        <td data-label="What">{{what}}</td>
        <td data-label="By">{{by}}</td>
        <td data-label="Holder">{{holder}}</td>
        </tr>
        {{/events}}
        {{^events}}
        <tr><td colspan="4" class="muted">No changes recorded.</td></tr>
        {{/events}}
        </tbody>
        </table>
        {{#older_href}}<p><a href="{{older_href}}">Older changes</a></p>{{/older_href}}

        """
}

/// The stylesheet served at `/_static/tessera.css`: small, no web fonts, readable on a phone.
enum PageStylesheet {
    static let css = """
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d8dce4; --bg: #f5f6f8; --card: #fff;
                --accent: #2450c7; --accent-ink: #fff; --danger: #b3261e; --ok: #1e6b3a; --warn: #8a5a00; }
        * { box-sizing: border-box; }
        html { font-size: 100%; -webkit-text-size-adjust: 100%; }
        body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
               color: var(--ink); background: var(--bg); }
        header.site, footer.site { padding: 0.75rem 1rem; }
        header.site { background: var(--ink); color: #fff; }
        .site-name { margin: 0; font-weight: 600; letter-spacing: 0.02em; }
        .site-name .logo { vertical-align: middle; margin-right: 0.5rem; max-height: 2rem; width: auto; }
        footer.site { color: var(--muted); font-size: 0.875rem; text-align: center; }
        main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 0.75rem; }
        h2 { font-size: 1.2rem; margin: 0 0 0.5rem; }
        a { color: var(--accent); }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 0.5rem; padding: 1.25rem;
                max-width: 36rem; margin: 1rem auto; }
        .card.success { border-top: 4px solid var(--ok); }
        .card.error { border-top: 4px solid var(--danger); }
        .card.warning { border-top: 4px solid var(--warn); }
        .facts { margin: 1rem 0; }
        .facts div { display: flex; flex-wrap: wrap; gap: 0 1rem; padding: 0.4rem 0; border-bottom: 1px solid var(--line); }
        .facts dt { color: var(--muted); min-width: 8rem; }
        .facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
        .hint, .muted { color: var(--muted); }
        .hint { font-size: 0.9rem; }
        .button { display: inline-block; font: inherit; border: 1px solid var(--line); border-radius: 0.375rem;
                  background: #fff; color: var(--ink); padding: 0.55rem 1rem; cursor: pointer; text-decoration: none;
                  min-height: 2.75rem; }
        .button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
        .button.danger { color: var(--danger); border-color: var(--danger); }
        .button.small { padding: 0.3rem 0.7rem; min-height: 2.25rem; font-size: 0.9rem; }
        .button.link { border: 0; background: none; color: var(--accent); text-decoration: underline; padding: 0;
                       min-height: 0; }
        .button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
        form.inline { display: inline; }
        .portal-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 1rem; }
        .portal-head h1 { flex: 1 1 100%; }
        .signed-in { margin: 0; color: var(--muted); overflow-wrap: anywhere; }
        .notice { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--accent);
                  padding: 0.75rem 1rem; border-radius: 0.375rem; margin: 1rem 0; }
        .notice.success { border-left-color: var(--ok); }
        .notice.error { border-left-color: var(--danger); }
        .notice.error h2 { font-size: 1rem; margin: 0 0 0.25rem; color: var(--danger); }
        .notice.error p { margin: 0; }
        .pool, .held { background: var(--card); border: 1px solid var(--line); border-radius: 0.5rem; padding: 1rem;
                       margin: 1rem 0; }
        .pool-summary { margin: 0 0 0.75rem; color: var(--muted); }
        .pool-summary .used, .pool-summary .free { color: var(--ink); font-weight: 600; }
        table.seats { width: 100%; border-collapse: collapse; }
        table.seats caption { text-align: left; color: var(--muted); font-size: 0.875rem; padding-bottom: 0.25rem; }
        table.seats th, table.seats td { text-align: left; padding: 0.5rem; border-bottom: 1px solid var(--line);
                                         vertical-align: top; }
        table.seats thead th { font-size: 0.875rem; color: var(--muted); font-weight: 600; }
        table.seats tbody th { font-weight: normal; overflow-wrap: break-word; }
        .person-name { font-weight: 600; display: block; }
        .actions { white-space: nowrap; }
        .actions form + form { margin-left: 0.25rem; }
        .badge { display: inline-block; border-radius: 1rem; padding: 0 0.6rem; font-size: 0.85rem; font-weight: 600;
                 border: 1px solid currentColor; }
        .badge.pending { color: var(--warn); }
        .badge.claimed { color: var(--ok); }
        .badge.revoked { color: var(--muted); }
        tr.status-revoked { color: var(--muted); }
        form.assign { margin-top: 1rem; }
        details.bulk { margin-top: 1rem; }
        a.page-link { display: inline-block; margin: 0.5rem 1rem 0 0; }
        details.bulk textarea { display: block; width: 100%; box-sizing: border-box; font: inherit; padding: 0.5rem;
          border: 1px solid #8a93a5; border-radius: 4px; margin-bottom: 0.5rem; }
        form.assign label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
        .assign-row { display: flex; flex-wrap: wrap; gap: 0.5rem; }
        .assign-row input { flex: 1 1 14rem; font: inherit; padding: 0.5rem; border: 1px solid #8a93a5;
                            border-radius: 0.375rem; min-height: 2.75rem; }
        @media (max-width: 40rem) {
          main { padding: 0.5rem; }
          table.seats thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
          table.seats, table.seats tbody, table.seats tr, table.seats th, table.seats td { display: block; width: 100%; }
          table.seats caption { display: block; }
          table.seats tbody th { overflow-wrap: anywhere; }
          table.seats tr { border: 1px solid var(--line); border-radius: 0.375rem; margin-bottom: 0.75rem; padding: 0.25rem 0; }
          table.seats tbody th, table.seats td { border: 0; padding: 0.25rem 0.75rem; }
          table.seats td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
          .actions { white-space: normal; }
        }

            .history-link { display: block; font-size: .85em; margin-top: .25em; }
    """
}
