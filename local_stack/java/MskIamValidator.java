// Test-only broker code of the local stack (never part of the forwarder): the server callback
// of the IAM listener, checking an OAUTHBEARER token the way Amazon MSK documents its IAM tokens.
//
// A token is the unpadded base64url text of a SigV4 presigned URL: GET
// https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect&X-Amz-...&User-Agent=...
// It is accepted when the host is the region's, the action is kafka-cluster:Connect, the
// credential scope is <access key>/<date>/<region>/kafka-cluster/aws4_request with the stack's
// test access key, the current time lies in [X-Amz-Date, X-Amz-Date + X-Amz-Expires] (at most
// 900 s), and the signature, recomputed with the test secret key, matches. The JAAS options of
// the listener give accessKeyId, secretAccessKey and region.
package forwarder.localstack;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

public class MskIamValidator implements AuthenticateCallbackHandler {
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final long MAX_EXPIRES_S = 900;
    private static final long CLOCK_SKEW_S = 60;
    private String accessKeyId;
    private String secretAccessKey;
    private String region;

    @Override
    public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaas) {
        Map<String, ?> options = jaas.get(0).getOptions();
        accessKeyId = (String) options.get("accessKeyId");
        secretAccessKey = (String) options.get("secretAccessKey");
        region = (String) options.get("region");
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof OAuthBearerValidatorCallback validator) {
                try {
                    validator.token(validate(validator.tokenValue()));
                } catch (RuntimeException e) {
                    validator.error("invalid_token", null, null);
                }
            } else if (callback instanceof OAuthBearerExtensionsValidatorCallback extensions) {
                extensions.inputExtensions().map().keySet().forEach(extensions::valid);
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private OAuthBearerToken validate(String token) {
        URI url = URI.create(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
        String host = "kafka." + region + ".amazonaws.com";
        require("https".equals(url.getScheme()) && host.equals(url.getHost()), "host");
        require(url.getPath().equals("/"), "path");
        Map<String, String> query = new TreeMap<>();
        for (String pair : url.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
        }
        require("kafka-cluster:Connect".equals(query.get("Action")), "action");
        require("AWS4-HMAC-SHA256".equals(query.get("X-Amz-Algorithm")), "algorithm");
        require("host".equals(query.get("X-Amz-SignedHeaders")), "signed headers");
        String[] scope = query.get("X-Amz-Credential").split("/");
        require(scope.length == 5 && scope[0].equals(accessKeyId) && scope[2].equals(region)
                && scope[3].equals("kafka-cluster") && scope[4].equals("aws4_request"), "scope");
        Instant signed = AMZ_DATE.parse(query.get("X-Amz-Date"), Instant::from);
        long expires = Long.parseLong(query.get("X-Amz-Expires"));
        require(expires > 0 && expires <= MAX_EXPIRES_S, "expires");
        Instant now = Instant.now();
        require(!now.isBefore(signed.minusSeconds(CLOCK_SKEW_S)), "not yet valid");
        require(now.isBefore(signed.plusSeconds(expires)), "expired");
        require(scope[1].equals(query.get("X-Amz-Date").substring(0, 8)), "date");
        String signature = query.remove("X-Amz-Signature");
        query.remove("User-Agent"); // added by the signer after signing
        require(signature != null && MessageDigest.isEqual(
                signature.getBytes(StandardCharsets.US_ASCII),
                sign(host, query, scope[1]).getBytes(StandardCharsets.US_ASCII)), "signature");
        long start = signed.toEpochMilli();
        long end = signed.plusSeconds(expires).toEpochMilli();
        return new Token(token, accessKeyId, start, end);
    }

    private String sign(String host, Map<String, String> query, String date) {
        StringBuilder canonicalQuery = new StringBuilder();
        for (Map.Entry<String, String> entry : query.entrySet()) {
            if (canonicalQuery.length() > 0) {
                canonicalQuery.append('&');
            }
            canonicalQuery.append(encode(entry.getKey())).append('=').append(encode(entry.getValue()));
        }
        String canonicalRequest = String.join("\n", "GET", "/", canonicalQuery,
                "host:" + host, "", "host", hex(sha256(new byte[0])));
        String credentialScope = date + "/" + region + "/kafka-cluster/aws4_request";
        String stringToSign = String.join("\n", "AWS4-HMAC-SHA256", query.get("X-Amz-Date"),
                credentialScope, hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8))));
        byte[] key = hmac(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, "kafka-cluster");
        key = hmac(key, "aws4_request");
        return hex(hmac(key, stringToSign));
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException(what);
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static String encode(String text) {
        // RFC 3986 as SigV4 wants it: only A-Z a-z 0-9 - _ . ~ stay as they are.
        return URLEncoder.encode(text, StandardCharsets.UTF_8)
                .replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] data) {
        return HexFormat.of().formatHex(data);
    }

    @Override
    public void close() {
    }

    private record Token(String value, String principalName, long startMs, long lifetimeMs)
            implements OAuthBearerToken {
        @Override
        public Set<String> scope() {
            return Set.of();
        }

        @Override
        public long lifetimeMs() {
            return lifetimeMs;
        }

        @Override
        public Long startTimeMs() {
            return startMs;
        }
    }
}
