package io.bounce.ops.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code bouncectl accounts}: the dashboard's accounts (admin keys only). Passwords come from files, never arguments. */
@Command(name = "accounts", description = "List, create and change dashboard accounts (admin): email, password, role, disabled.",
    mixinStandardHelpOptions = true)
final class AccountCommands
{
    private static final String PASSWORD_HELP = "the account's password: the first line of FILE (- reads standard input), 10 to 128 " +
        "characters; kept only as an argon2id hash. Never on the command line, where ps and shell history would show it.";

    @ParentCommand
    BounceCtl root;

    @Command(name = "list", description = "List the accounts (never their passwords).")
    int list() throws ApiClient.Failure
    {
        final JsonNode answer = root.client().call("GET", "/api/v1/accounts", null);
        root.print(answer, () ->
        {
            final List<List<String>> rows = new ArrayList<>();
            for (final JsonNode account : answer.get("accounts"))
            {
                rows.add(List.of(account.get("id").asText(), account.get("email").asText(), account.get("role").asText(),
                    account.get("disabled").asBoolean() ? "disabled" : "active", account.get("createdAt").asText()));
            }
            BounceCtl.table(root.out(), List.of("ID", "EMAIL", "ROLE", "STATE", "CREATED"), rows);
        });
        return 0;
    }

    @Command(name = "create", description = "Create an account; it signs in to the dashboard with its email and password.")
    int create(@CommandLine.Parameters(paramLabel = "EMAIL") final String email,
        @Option(names = "--password-file", paramLabel = "FILE", required = true, description = PASSWORD_HELP) final Path passwordFile,
        @Option(names = "--admin", description = "an admin: sees and changes every link, domain and key") final boolean admin)
        throws ApiClient.Failure
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("email", email);
        body.put("role", admin ? "admin" : "member");
        LinkCommands.readPassword(passwordFile, body);
        final JsonNode answer = root.client().call("POST", "/api/v1/accounts", body);
        root.print(answer, () -> root.out().println("account " + answer.get("id").asText() + ": " + answer.get("email").asText() +
            " (" + answer.get("role").asText() + ")"));
        return 0;
    }

    @Command(name = "update", description = "Change an account's password, role, or whether it may sign in (disabling one ends " +
        "its sessions and stops its keys).")
    int update(@CommandLine.Parameters(paramLabel = "ID|EMAIL") final String who,
        @Option(names = "--password-file", paramLabel = "FILE", description = PASSWORD_HELP) final Path passwordFile,
        @Option(names = "--role", paramLabel = "admin|member", description = "its new role") final String role,
        @Option(names = "--disable", description = "it may no longer sign in; its keys stop") final boolean disable,
        @Option(names = "--enable", description = "it may sign in again") final boolean enable) throws ApiClient.Failure
    {
        if (disable && enable)
        {
            throw new ApiClient.Failure(0, "--disable and --enable exclude each other", 0, 2);
        }
        final Map<String, Object> body = new LinkedHashMap<>();
        LinkCommands.readPassword(passwordFile, body);
        if (role != null)
        {
            body.put("role", role);
        }
        if (disable || enable)
        {
            body.put("disabled", disable);
        }
        if (body.isEmpty())
        {
            throw new ApiClient.Failure(0, "nothing to change: give --password-file, --role, --disable or --enable", 0, 2);
        }
        final JsonNode answer = root.client().call("PATCH", "/api/v1/accounts/" + id(who), body);
        root.print(answer, () -> root.out().println("account " + answer.get("id").asText() + ": " + answer.get("email").asText() +
            " (" + answer.get("role").asText() + (answer.get("disabled").asBoolean() ? ", disabled" : "") + ")"));
        return 0;
    }

    /** An account's id, given its id or its email. */
    private String id(final String who) throws ApiClient.Failure
    {
        if (who.chars().allMatch(Character::isDigit))
        {
            return who;
        }
        for (final JsonNode account : root.client().call("GET", "/api/v1/accounts", null).get("accounts"))
        {
            if (account.get("email").asText().equalsIgnoreCase(who.strip()))
            {
                return account.get("id").asText();
            }
        }
        throw new ApiClient.Failure(404, "no account has the email " + who, 0, 1);
    }
}
