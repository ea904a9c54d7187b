/// RSA keys for tests only, generated for this repository and used nowhere else: a Connected
/// App's key pair for the Sandbox Salesforce, and a second private key it must refuse.
public enum TestKeys {
    public static let connectedAppPrivateKey = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDk1ue5O1vJrSLm
        Bbdk/c0OhEpENvw/dU9qxjU9ITaVEpPvow040t/AU2GH7o9I9aMHuFpvOd2lYAXz
        vcjI2AXkbYMwsT2Q/7sAjU7GWKnnrZ4f82hYVRTG5UGYvqkGo0vINB08PUQXCmXX
        oh0c1H4vEW5eimxblELI9C5VXYexXG4Qvj/QVq8vg+Vx24p4ltmQMXF938N+obL5
        VweAHgSU8ksMRi3eR1U6KlEQ3/bDB8qJJ2UZytQhGBmeWfU+RDutkFmi8WwozBjW
        Mgp+AJSObnl+XZ5oVyw1mhtWT4kwPwPLbgo0XuCDoBzHkTRk9ii7o2Ugf1y2kFqZ
        En9806PHAgMBAAECggEADBC/2caLoCy7XB3NcP5OU0dqujTP94r4eF+7XneKCJgY
        w35fhX4Q0A1VZU5dsNh94Du6TbnJhuoMkxcpjY732JBkzCqikJEuZRwONp6Y7rjH
        tbvzf3Zhu9uwkE+7jh8KZHB8lIWCbPIrM0OLF2iljCPC8JC9Bjyt7/YRgoZSgwMl
        plTm7Mvv3w+hWA4wLB4cS2rI8k1zwZx6tHtM3BTtMwd8mVev3vvtC91y0ZRaJOli
        rMFKl2XGgYUz6OKi2i5sI2yisvmWbBOnajRMtgo/s8WXmyKpRpdoAT2E0kLMQK6g
        clHrasafz0GmZF1nfL3TSxnqAZCZJrXDqJNF2aPk0QKBgQD1adrsdNW3FMxoLWH0
        Yecdkj12FZ8OIOdRETg3Q6HsSEADwPbwwn1MT7WkZaEtLKoMyzuy8iW3W0LGRVxl
        uyvW14oUofcjsHCmkQ0OKUjtjg4gag6AAPPNNxTMscGjnUwOTCCxMxVURoi1BsO8
        4VveAWVldNbcm2K5eKVkW+I02QKBgQDutgUmRo/t/8GjjJxrfuBOCZvDFHIa8w4X
        kh6vNat1ySf0wliWZJKKnPQsAeoROYaQZ7NonA2F2cEvv+5NpcMvXxZWVuHooGNd
        6+fa+0DDDJvIOtviFBBdRZ7GEorWAoSiTTUB4vP6fSSAET8Y9+ViQ1E5RlJfh48S
        JLLdRcS5nwKBgF2Mim1UZBs0DG8xzYMwxr7Y/iDDQSxLkqGuZLV8TH8bU3ua1QcV
        vFmYkO8n5nan7fKOjiU6dPIeEaguzHfjD2UIKJSQ4PpzyZ1U8ZsSVcBoRC5K/1gA
        BO+XLZCRufS6g0F394ZUqK7FbFtFRtv7M9++vH4eOcFCYjG9MZ69/86RAoGBAMrm
        KkBbb9FTN6slRHtWT5/lKOFLCqX/fDXqvGweyUuHnI+9dYD3oVtyh1S0l9jmNYue
        qW88XX4tFbjZgdu8DsjAIQNoPAL3+R4G+381WtmvaOZrqSRj+3jcSVWAw0OexlAS
        IgElgE2kexbkEebOJso7/9kX/cI3PhOk3+eWet1vAoGBAJdCh/4L/Le/OcaDiWGk
        sakpIB5pU7zpnmYG9o4mcYUUQjJ3O4uenk8zHyfqIvaZSzUSqrLYDACiTVldDtrJ
        01hw7w6glCg/g/2I4cPcq9nUYga1grOVvYzizhqphNmuUjNJQI0egUqo0b4mzQPi
        +oTjG0ZKkhMWESCta/rclMZS
        -----END PRIVATE KEY-----
        """

    public static let connectedAppPublicKey = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5NbnuTtbya0i5gW3ZP3N
        DoRKRDb8P3VPasY1PSE2lRKT76MNONLfwFNhh+6PSPWjB7habzndpWAF873IyNgF
        5G2DMLE9kP+7AI1Oxlip562eH/NoWFUUxuVBmL6pBqNLyDQdPD1EFwpl16IdHNR+
        LxFuXopsW5RCyPQuVV2HsVxuEL4/0FavL4PlcduKeJbZkDFxfd/DfqGy+VcHgB4E
        lPJLDEYt3kdVOipREN/2wwfKiSdlGcrUIRgZnln1PkQ7rZBZovFsKMwY1jIKfgCU
        jm55fl2eaFcsNZobVk+JMD8Dy24KNF7gg6Acx5E0ZPYou6NlIH9ctpBamRJ/fNOj
        xwIDAQAB
        -----END PUBLIC KEY-----
        """

    public static let otherPrivateKey = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZ1FjXgJz2dicm
        XGWDVAqI3KYpOHChHAKm7D+JNdUut3dTBHOFIl/bqzcrm9lNJCCiTHR51bBCZM9y
        W7UMxVg0JIleaRXR1lwiG/YbPVcvKft13N8kpVpfj9Yz+pFvRI+s+MIrKi445f1s
        +IPSeGG0mKMsVcp5LEQn8X3c2ydlQw/xNGdjGhhHAiApi9s9LIIbhPsLj0yfHXJR
        Vc++kIBfAaIyMTmHcxCLLMwwwWlYFOc8EFPieZPqpKTRiaX0+cgyc3OM/SlBEgw5
        99j59fScqhcf1BukkdAZGRN/UltYawDytVuq/2EVn61zY9SwZIwzdXVVvGey2G0M
        /XyibWc9AgMBAAECggEAJRcCFZeholmV6vM6mbT6ojkn1cb1bolNbky1uNBAv1af
        67PLU7T5q3aoyzUbOAZZxCjOgFxBSdzOccNpvYXwsdgyx6+O9o7QW0J1kkfMi4xT
        c8sq95tsGu9r4qfckZyT9jjZHu5stmV61E4wa+rxgAWpawgklKNT65U0ACIUwCnt
        oc1zxEWbccl9l34M4OSjh16L4v5vh4KS7oruO/6xs3drtVS/24mb+Ns3+XMT5itJ
        n9uBHoCSrZrq/xTtrgXQBiWNDCsoD4dEeV8zdGdBPezs3VSfDvQrVJ0QV56bLI+e
        KUnWBPZKkN8zd8okjYzZNJ6I3JFPxiazi+2z3H+IQQKBgQDxffc8rt+U7le01Dto
        xAXgn1KuxrnQBqDE4YidfAuA06pkB42YDwjQFBV2heoB4LY7p3XoAs1bbHb/1BTv
        RaQA/cyBd7Hyz54rqt3RxAQTsd/eD792cRKUBzAYmqdsTvPYl//0ismNhfIrhKBd
        HgEiY/e8m+dI1NkJgXUA7QWmLQKBgQDm6nZG82w7pXN9UcoeTbYkCvr1Q4TWLpai
        /u8zP34xEgxb52lDonSWKZ1WbpjKMwA/0pwwOgWeO5EI2k/Uau+wZzOAXtae4N7C
        g6834L+H7KTyyc0DovZ0AWIn9PUD7riL1EYQAARIz0DCQoHweoU2EUrN4BJGFfxp
        1uOWVrH/UQKBgEYnwQ6JAv0CLMqkqUmrQMXboyqRIuPzOPtZRdXydmkLlMGQjCrz
        myzP2Nhg2PWIsYgtAwzO25fGr99sXlSQl6+OC75E5pZSiHHJJr3Mwx5xm0aoroeb
        G7mTSP6s1xyY5zAyIDKLqzgJBKxt0CSdFdlGz26koBFBfHfNew80zGJVAoGBAIva
        PMBD9a06S3P+8TbhQgsaS1v4BJ/jn4Agfqa/MaJul+WhhfNclNfNZGlQmmD7+o6s
        88ORoI1w7io6blbsXTatileZGMsozkFol9pz2AxumoghCHXHYRRpMhWZGjvDfSnS
        6owONooSW9pLhX8r9ToFxxRhPTANaM6BQ11uLGfBAoGBALKoOtCOhpSJGsqYxFWS
        RPFOn+uaDfFsdTdfA0srFys34trz8dku18fRRGc+IGhmsQh8AyCUvJigrU6w/BiK
        pasOzfoHsL5x06LZ2GouuCNnS05mrTtfyxFe+4lKIPa0O0Nd7yn0U3rKD9IR0THJ
        7TFV6gS0tO1LAhYY0MQFyu+M
        -----END PRIVATE KEY-----
        """
}
