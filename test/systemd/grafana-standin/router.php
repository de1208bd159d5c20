<?php
// STAND-IN for Grafana, which cannot be downloaded here: the real-systemd kit test (test/systemd/kit-e2e.test.ts)
// packs this router into a .deb named grafana 11.6.0 whose grafana-server.service runs it with `php -S`. It speaks
// the parts of Grafana's HTTP API Navigator's grafana checks use (server/src/probes/http.evaluator.ts), from what
// the kit provisions, as Grafana does: dashboards from the file providers in /etc/grafana/provisioning/dashboards
// (their options.path), datasources from /etc/grafana/provisioning/datasources (GF_PATHS_PROVISIONING, as Grafana's), the admin password from
// GF_SECURITY_ADMIN_PASSWORD; each panel query goes to that datasource, the VM's real Prometheus.
//   GET /api/health, GET /login, GET /api/dashboards/uid/UID, POST /api/ds/query

define('PROVISIONING', getenv('GF_PATHS_PROVISIONING') ?: '/etc/grafana/provisioning');

function answer(int $status, $body): bool
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body);
    return true;
}

// Provisioning files are YAML; these few keys are all this stand-in reads, one `key: value` a line.
function yamlValues(string $file, string $key): array
{
    preg_match_all('/^\s*-?\s*' . preg_quote($key, '/') . ':\s*["\']?([^"\'#\n]+?)["\']?\s*$/m', (string) file_get_contents($file), $found);
    return $found[1];
}

function dashboards(): array
{
    $all = [];
    foreach (glob(PROVISIONING . '/dashboards/*.yaml') ?: [] as $provider) {
        foreach (yamlValues($provider, 'path') as $dir) {
            foreach (glob(rtrim($dir, '/') . '/*.json') ?: [] as $file) {
                $dashboard = json_decode((string) file_get_contents($file), true);
                if (is_array($dashboard) && isset($dashboard['uid'])) $all[$dashboard['uid']] = $dashboard;
            }
        }
    }
    return $all;
}

function datasourceUrls(): array
{
    $urls = [];
    foreach (glob(PROVISIONING . '/datasources/*.yaml') ?: [] as $file) {
        $uids = yamlValues($file, 'uid');
        $addresses = yamlValues($file, 'url');
        foreach ($uids as $i => $uid) if (isset($addresses[$i])) $urls[$uid] = $addresses[$i];
    }
    return $urls;
}

function authorized(): bool
{
    $password = getenv('GF_SECURITY_ADMIN_PASSWORD') ?: 'admin';
    $given = $_SERVER['HTTP_AUTHORIZATION'] ?? '';
    return hash_equals('Basic ' . base64_encode("admin:$password"), $given);
}

// A relative Grafana time ("now", "now-5m") in seconds since the epoch.
function grafanaTime(string $when): int
{
    if (preg_match('/^now(?:-(\d+)([smhd]))?$/', $when, $part)) {
        $seconds = ['s' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400];
        return time() - (isset($part[1]) ? (int) $part[1] * $seconds[$part[2]] : 0);
    }
    return (int) ((int) $when / 1000);
}

function query(array $body): bool
{
    $urls = datasourceUrls();
    $from = grafanaTime((string) ($body['from'] ?? 'now-5m'));
    $to = grafanaTime((string) ($body['to'] ?? 'now'));
    $results = [];
    $failed = false;
    foreach ($body['queries'] ?? [] as $query) {
        $refId = (string) ($query['refId'] ?? 'A');
        $uid = $query['datasource']['uid'] ?? null;
        if (!isset($urls[$uid])) {
            $results[$refId] = ['status' => 400, 'error' => "no datasource with uid $uid is provisioned"];
            $failed = true;
            continue;
        }
        $url = rtrim($urls[$uid], '/') . '/api/v1/query_range?' . http_build_query(['query' => $query['expr'] ?? '', 'start' => $from, 'end' => $to, 'step' => 15]);
        $reply = @file_get_contents($url, false, stream_context_create(['http' => ['timeout' => 10, 'ignore_errors' => true]]));
        $data = $reply === false ? null : json_decode($reply, true);
        if (($data['status'] ?? null) !== 'success') {
            $results[$refId] = ['status' => 400, 'error' => $data['error'] ?? "the datasource $uid did not answer"];
            $failed = true;
            continue;
        }
        $frames = [];
        foreach ($data['data']['result'] ?? [] as $series) {
            $frames[] = [
                'schema' => ['refId' => $refId, 'fields' => [['name' => 'Time', 'type' => 'time'], ['name' => 'Value', 'type' => 'number', 'labels' => $series['metric']]]],
                'data' => ['values' => [array_map(fn($v) => (int) ($v[0] * 1000), $series['values']), array_map(fn($v) => (float) $v[1], $series['values'])]],
            ];
        }
        $results[$refId] = ['status' => 200, 'frames' => $frames];
    }
    return answer($failed ? 207 : 200, ['results' => $results]);
}

$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$method = $_SERVER['REQUEST_METHOD'];
if ($path === '/api/health') return answer(200, ['commit' => 'stand-in', 'database' => 'ok', 'version' => '11.6.0']);
if ($path === '/login') {
    header('Content-Type: text/html; charset=UTF-8');
    echo "<!DOCTYPE html><html><head><title>Grafana</title></head><body>Grafana (stand-in)</body></html>\n";
    return true;
}
if (str_starts_with($path, '/api/') && !authorized()) return answer(401, ['message' => 'Unauthorized']);
if ($method === 'GET' && preg_match('#^/api/dashboards/uid/([^/]+)$#', $path, $match)) {
    $dashboard = dashboards()[rawurldecode($match[1])] ?? null;
    if ($dashboard === null) return answer(404, ['message' => 'Dashboard not found']);
    return answer(200, ['meta' => ['slug' => strtolower(preg_replace('/\W+/', '-', $dashboard['title'] ?? '')), 'provisioned' => true], 'dashboard' => $dashboard]);
}
if ($method === 'POST' && $path === '/api/ds/query') {
    $body = json_decode((string) file_get_contents('php://input'), true);
    if (!is_array($body)) return answer(400, ['message' => 'bad request data']);
    return query($body);
}
return answer(404, ['message' => 'Not found']);
