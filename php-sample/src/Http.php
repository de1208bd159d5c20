<?php
declare(strict_types=1);

namespace Sample;

final class Http
{
    /** @param array<string, mixed> $body */
    public static function json(int $status, array $body): void
    {
        http_response_code($status);
        header('Content-Type: application/json');
        echo json_encode($body, JSON_THROW_ON_ERROR), "\n";
    }
}
