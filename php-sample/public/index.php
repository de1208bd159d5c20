<?php
declare(strict_types=1);

/*
 * A small PHP application whose routes make each of PHP's probes worth watching: requests, function
 * and method calls (recursion), a slow path, an exception thrown and caught, an uncaught exception
 * and a warning. Run it with USE_ZEND_DTRACE=1 so the function, exception and compile probes fire:
 *
 *   USE_ZEND_DTRACE=1 php -S 127.0.0.1:8000 -t php-sample/public
 */

namespace Sample;

require __DIR__ . '/../src/Http.php';
require __DIR__ . '/../src/Maths.php';
require __DIR__ . '/../src/Orders.php';

const ROUTES = ['/', '/fib?n=10', '/slow', '/order?id=42', '/order?id=7', '/crash', '/warning'];

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';

switch ($path) {
    case '/':
        Http::json(200, ['app' => 'PHP sample', 'routes' => ROUTES]);
        break;

    case '/fib':
        $n = max(0, min(25, (int) ($_GET['n'] ?? 10)));
        Http::json(200, ['n' => $n, 'fib' => Maths::fib($n)]);
        break;

    case '/slow':
        usleep(200_000);
        Http::json(200, ['slept_ms' => 200]);
        break;

    case '/order':
        try {
            Http::json(200, (new OrderRepository())->find((int) ($_GET['id'] ?? 0)));
        } catch (OrderNotFound $e) {
            Http::json(404, ['error' => $e->getMessage()]);
        }
        break;

    case '/crash':
        // Uncaught: PHP answers 500 and logs "PHP Fatal error: Uncaught LogicException".
        throw new \LogicException('an uncaught exception, on purpose');

    case '/warning':
        $settings = ['theme' => 'dark'];
        // A missing key is a warning (E_WARNING), not an exception: the request still succeeds.
        Http::json(200, ['theme' => $settings['theme'], 'language' => $settings['language'] ?? 'en', 'font' => $settings['font']]);
        break;

    default:
        Http::json(404, ['error' => "no route $path"]);
}
