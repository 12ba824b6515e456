import { parseArgs } from "node:util";
import { CliError, createClient } from "./client";
import { createCa, createProfile, createToken, issue, status } from "./commands";

const USAGE = `usage: certq <command> [options]   (reads CERTQ_URL and CERTQ_TOKEN)
  issue --profile ID [--cn NAME] [--san dns:NAME ...] [--key-algorithm ALG] [--ttl 30d] [--out DIR]
  status REQUEST_ID
  ca create --cn NAME [--type root|intermediate] [--key-algorithm ALG]
  profile create --slug SLUG --ca CA_ID [--allow PATTERN ...] [--ttl 30d]
  token create --name NAME --scope SCOPE [--scope SCOPE ...]`;

/** Runs one command; returns the exit code. Errors are one line on stderr. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: "string" },
        cn: { type: "string" },
        san: { type: "string", multiple: true },
        "key-algorithm": { type: "string" },
        ttl: { type: "string" },
        out: { type: "string" },
        type: { type: "string" },
        slug: { type: "string" },
        ca: { type: "string" },
        allow: { type: "string", multiple: true },
        name: { type: "string" },
        scope: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
    const [command, sub] = positionals;
    if (values.help || !command) {
      console.log(USAGE);
      return command || values.help ? 0 : 2;
    }
    const token = env.CERTQ_TOKEN;
    if (!token) throw new CliError("set CERTQ_TOKEN to an access token");
    const client = createClient(env.CERTQ_URL ?? "http://localhost:8080", token);
    const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
    const progress = (line: string) => console.error(line);
    switch (`${command} ${sub ?? ""}`.trim()) {
      case "issue":
        print(await issue(client, values, progress));
        return 0;
      case `status ${sub}`:
        print(await status(client, sub ?? ""));
        return 0;
      case "ca create":
        print(await createCa(client, values));
        return 0;
      case "profile create":
        print(await createProfile(client, values));
        return 0;
      case "token create":
        print(await createToken(client, values));
        return 0;
      default:
        throw new CliError(`unknown command '${positionals.join(" ")}'\n${USAGE}`);
    }
  } catch (error) {
    const message =
      error instanceof CliError || error instanceof TypeError ? error.message : String(error);
    console.error(`certq: ${message}`);
    return 1;
  }
}
