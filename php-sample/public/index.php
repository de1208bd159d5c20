<?php
declare(strict_types=1);

/*
 * A small PHP application whose routes make each of PHP's USDT probes worth watching:
 * requests, function calls (recursion), a slow path, exceptions thrown and caught, an uncaught
 * exception and a warning. Run it with USE_ZEND_DTRACE=1 so the function, exception and error
 * probes fire:   USE_ZEND_DTRACE=1 php -S 127.0.0.1:8000 -t public
 */

final class OrderNotFound extends RuntimeException {}

function fib(int $n): int
{
    return $n < 2 ? $n : fib($n - 1) + fib($n - 2);
}

function findOrder(int $id): array
{
    if ($id !== 42) {
        throw new OrderNotFound("order $id does not exist");
    }
    return ['id' => 42, 'total' => 1999];
}

function respond(int $status, array $body): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body, JSON_THROW_ON_ERROR), "\n";
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';

switch ($path) {
    case '/':
        respond(200, ['app' => 'PHP sample', 'routes' => ['/fib?n=10', '/slow', '/order?id=7', '/crash', '/warning']]);
        break;
    case '/fib':
        $n = max(0, min(25, (int) ($_GET['n'] ?? 10)));
        respond(200, ['n' => $n, 'fib' => fib($n)]);
        break;
    case '/slow':
        usleep(200_000);
        respond(200, ['slept_ms' => 200]);
        break;
    case '/order':
        try {
            respond(200, findOrder((int) ($_GET['id'] ?? 0)));
        } catch (OrderNotFound $e) {
            respond(404, ['error' => $e->getMessage()]);
        }
        break;
    case '/crash':
        throw new LogicException('an uncaught exception, on purpose');
    case '/warning':
        $settings = [];
        respond(200, ['theme' => @$settings['theme'] ?? 'default', 'raw' => $settings['missing']]);
        break;
    default:
        respond(404, ['error' => "no route $path"]);
}
