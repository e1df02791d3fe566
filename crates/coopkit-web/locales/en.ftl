# coopkit, English. Keys are shared by every locale; a test checks that
# each file has the same keys.

app-tagline = Member-owned platforms, run by their members.
skip-to-content = Skip to content
nav-main = Main
nav-coops = Co-ops
nav-login = Log in
nav-signup = Sign up
nav-logout = Log out
nav-account = My account
language-label = Language
language-switch = Change language
footer-text = coopkit is free software for platform co-operatives. Co-op data here is open.

home-title = Co-ops on this server
home-intro = Each co-op is owned and run by its members: one member, one vote.
home-empty = No co-ops yet.
coop-members-count = { $count ->
    [one] 1 member
   *[other] { $count } members
}

coop-about = About
coop-classes = Member classes
coop-class-open = Open to apply
coop-class-closed = By invitation only
coop-class-approval = Needs approval
coop-bylaws = Rules for joining
coop-joining-approval = A coordinator approves every new member.
coop-joining-open = Applicants to open classes are admitted at once.
coop-dues = Dues
coop-dues-none = No dues.
coop-dues-monthly = { $amount } { $currency } a month
coop-dues-yearly = { $amount } { $currency } a year
coop-join-title = Join this co-op
coop-join-class = Member class
coop-join-submit = Apply to join
coop-join-login = Log in or sign up to join this co-op.
coop-status-pending = Your application is waiting for a coordinator.
coop-status-active = You are a member of this co-op.
coop-status-declined = Your application was declined. You may apply again.
coop-status-left = You left this co-op. You may join again.
coop-leave = Leave this co-op
coop-withdraw = Withdraw my application
coop-members-link = Member list
coop-approvals-link = Applications to decide

role-member = member
role-coordinator = coordinator
role-admin = admin
status-pending = waiting for approval
status-active = member
status-declined = declined
status-left = left

members-title = Members of { $coop }
members-name = Name
members-class = Class
members-role = Role
members-change-role = Save role
members-role-of = Role of { $name }
members-since = Member since
approvals-title = Applications to { $coop }
approvals-empty = No applications are waiting.
approvals-applied = Applied on
approvals-admit = Admit
approvals-decline = Decline
approvals-actions = Decision

field-email = Email address
field-display-name = Your name, as members see it
field-password = Password
field-password-hint = At least 10 characters. A phrase of several words is easy to remember and hard to guess.
signup-title = Create an account
signup-intro = One account for every co-op on this server.
signup-submit = Create account
signup-have-account = Already have an account? Log in.
login-title = Log in
login-submit = Log in
login-no-account = No account yet? Sign up.

account-title = My account
account-memberships = My co-ops
account-no-memberships = You do not belong to any co-op yet.
account-status = Status
account-language = Language
account-language-save = Save language
account-tokens = API tokens
account-tokens-intro = A token lets a program use the JSON API as you. Keep it secret.
account-token-name = Token name
account-token-create = Create token
account-token-created = Your new token is below. Copy it now: it will not be shown again.

error-page-title = Something went wrong
error-not-found = We could not find that page.
error-forbidden = You are not allowed to do that.
error-unauthenticated = Please log in first.
error-rate-limited = Too many attempts. Please wait { $minutes } minutes and try again.
error-internal = Something went wrong on our side. Nothing was changed.
error-bad-request = The request could not be read.
error-csrf = This form has expired. Please reload the page and try again.
error-members-only = Only members of this co-op can see this.
error-coordinators-only = Only the co-op's coordinators can do this.
error-admins-only = Only the co-op's admins can do this.
error-required = This field is required.
error-too-short = This is too short.
error-too-long = This is too long.
error-control-characters = This contains characters that are not allowed.
error-email-format = This does not look like an email address.
error-password-too-short = Use at least 10 characters.
error-password-unhashable = This password cannot be used.
error-slug-length = Use 2 to 48 characters.
error-slug-format = Use lowercase letters, digits and single hyphens, starting with a letter.
error-email-taken = An account with this address already exists.
error-slug-taken = This short name is taken.
error-already-member = You already belong to this co-op or have applied.
error-last-admin = You are this co-op's last admin: make someone else an admin before you leave.
error-class-unknown = Choose one of this co-op's member classes.
error-class-closed = This class is by invitation only.
error-login-failed = The email address or the password is wrong.
error-role-unknown = Choose member, coordinator or admin.
error-locale-unknown = This language is not available.
error-token-name = Give the token a name of 1 to 80 characters.
error-must-not-be-negative = This must not be negative.
error-currency-code-format = Use 3 to 8 capital letters, such as GBP or HOUR.
error-dues-period-unknown = Choose monthly or yearly.
error-at-least-one-class = A co-op needs at least one member class.
error-duplicate = This appears twice.
error-invalid-value = This value has the wrong type or form.
error-missing-field = This field is required.
error-unknown-field = This field is not part of the request.
error-malformed-json = The body is not valid JSON.
error-unsupported-media-type = Send the body as application/json.
