package stargate.controller.auth;

/** An authenticated caller: its name ({@code updated_by}) and role. */
record Caller(String name, Role role) {
}
