// CccdClient.cs: a cccd-bridge client for desktop HIS on the .NET Framework (4.5 and later),
// in C# 6 with nothing but the framework: HttpClient (System.Net.Http) and
// DataContractJsonSerializer (System.Runtime.Serialization). No NuGet package.
//
// Copy this file into the HIS project (add references to System.Net.Http and
// System.Runtime.Serialization), then:
//
//   using (var cccd = new CccdBridge.CccdClient("http://127.0.0.1:8765", apiKey))
//   {
//       var events = cccd.FollowEventsAsync((name, json) => ..., null, cancel.Token);
//       var session = cccd.ReadAsync(new CccdBridge.ReadRequest { Can = "012345" }).Result;
//       var name = session.Registration.HoTen.Value;   // XML1's HO_TEN, with its source
//   }
//
// A desktop program sends its key on the event stream itself: no ticket is needed (tickets are
// for browsers' EventSource, which cannot send headers).

using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CccdBridge
{
    /// <summary>One XML1 value and where it came from: chip-verified, chip-unverified, qr,
    /// typed. Value is "" when unknown; Uncertain says why a value is doubtful or empty.</summary>
    [DataContract]
    public sealed class Field
    {
        [DataMember(Name = "value")] public string Value;
        [DataMember(Name = "source")] public string Source;
        [DataMember(Name = "uncertain")] public string Uncertain;
    }

    /// <summary>The registration block: what the HIS files in XML1 (QĐ 130/4750/3176), with
    /// XML1's names as keys.</summary>
    [DataContract]
    public sealed class RegistrationBlock
    {
        [DataMember(Name = "HO_TEN")] public Field HoTen;
        [DataMember(Name = "SO_CCCD")] public Field SoCccd;
        [DataMember(Name = "SO_CMND")] public Field SoCmnd;
        [DataMember(Name = "NGAY_SINH")] public Field NgaySinh;
        [DataMember(Name = "GIOI_TINH")] public Field GioiTinh;
        [DataMember(Name = "MA_QUOCTICH")] public Field MaQuocTich;
        [DataMember(Name = "MA_DANTOC")] public Field MaDanToc;
        [DataMember(Name = "DIA_CHI")] public Field DiaChi;
        [DataMember(Name = "MATINH_CU_TRU")] public Field MaTinhCuTru;
        [DataMember(Name = "MAXA_CU_TRU")] public Field MaXaCuTru;
        [DataMember(Name = "NGAY_CAP_CCCD")] public Field NgayCapCccd;
        [DataMember(Name = "NOI_CAP_CCCD")] public Field NoiCapCccd;
        [DataMember(Name = "warnings")] public string[] Warnings;

        /// <summary>Every value with its XML1 key, in the standard's order.</summary>
        public IEnumerable<KeyValuePair<string, Field>> Values()
        {
            yield return new KeyValuePair<string, Field>("HO_TEN", HoTen);
            yield return new KeyValuePair<string, Field>("SO_CCCD", SoCccd);
            yield return new KeyValuePair<string, Field>("SO_CMND", SoCmnd);
            yield return new KeyValuePair<string, Field>("NGAY_SINH", NgaySinh);
            yield return new KeyValuePair<string, Field>("GIOI_TINH", GioiTinh);
            yield return new KeyValuePair<string, Field>("MA_QUOCTICH", MaQuocTich);
            yield return new KeyValuePair<string, Field>("MA_DANTOC", MaDanToc);
            yield return new KeyValuePair<string, Field>("DIA_CHI", DiaChi);
            yield return new KeyValuePair<string, Field>("MATINH_CU_TRU", MaTinhCuTru);
            yield return new KeyValuePair<string, Field>("MAXA_CU_TRU", MaXaCuTru);
            yield return new KeyValuePair<string, Field>("NGAY_CAP_CCCD", NgayCapCccd);
            yield return new KeyValuePair<string, Field>("NOI_CAP_CCCD", NoiCapCccd);
        }
    }

    [DataContract]
    public sealed class Message
    {
        [DataMember(Name = "vi")] public string Vi;
        [DataMember(Name = "en")] public string En;
    }

    [DataContract]
    public sealed class Verification
    {
        /// <summary>genuine, forged, clone-suspected, unknown-issuer or incomplete.</summary>
        [DataMember(Name = "verdict")] public string Verdict;
    }

    [DataContract]
    public sealed class InsuranceCard
    {
        [DataMember(Name = "number")] public string Number;
        [DataMember(Name = "registeredFacility")] public string RegisteredFacility;
    }

    [DataContract]
    public sealed class EligibilityDecision
    {
        /// <summary>eligible, eligible-new-card, manual-check, not-eligible, data-mismatch,
        /// temporary-card, configuration-error, gateway-error.</summary>
        [DataMember(Name = "category")] public string Category;
        [DataMember(Name = "message")] public Message Message;
        [DataMember(Name = "card")] public InsuranceCard Card;
        [DataMember(Name = "validFrom")] public string ValidFrom;
        [DataMember(Name = "validTo")] public string ValidTo;
    }

    /// <summary>A read's (or an identification's) session, as POST /v1/cards/read,
    /// POST /v1/identify and GET /v1/sessions/{id} give it (the fields a HIS needs most).</summary>
    [DataContract]
    public sealed class Session
    {
        [DataMember(Name = "sessionId")] public string SessionId;
        /// <summary>chip-verified, chip-unverified, qr or typed.</summary>
        [DataMember(Name = "identifiedBy")] public string IdentifiedBy;
        [DataMember(Name = "registration")] public RegistrationBlock Registration;
        [DataMember(Name = "verification")] public Verification Verification;
        [DataMember(Name = "eligibility")] public EligibilityDecision Eligibility;
        [DataMember(Name = "photoUrl")] public string PhotoUrl;
    }

    [DataContract]
    public sealed class Health
    {
        [DataMember(Name = "version")] public string Version;
        [DataMember(Name = "demo")] public bool Demo;
        [DataMember(Name = "readers")] public string[] Readers;
    }

    /// <summary>POST /v1/cards/read: one of Can, Id, Qr.</summary>
    [DataContract]
    public sealed class ReadRequest
    {
        [DataMember(Name = "can", EmitDefaultValue = false)] public string Can;
        [DataMember(Name = "id", EmitDefaultValue = false)] public string Id;
        [DataMember(Name = "qr", EmitDefaultValue = false)] public string Qr;
        [DataMember(Name = "reader", EmitDefaultValue = false)] public string Reader;
        [DataMember(Name = "waitSeconds", EmitDefaultValue = false)] public int? WaitSeconds;
        /// <summary>The patient's consent to the chip read (needed at a private facility).</summary>
        [DataMember(Name = "consent", EmitDefaultValue = false)] public bool? Consent;
    }

    [DataContract]
    sealed class ErrorDetail
    {
        [DataMember(Name = "code")] public string Code;
        [DataMember(Name = "message")] public string Message;
    }

    [DataContract]
    sealed class ErrorBody
    {
        [DataMember(Name = "error")] public ErrorDetail Error;
    }

    /// <summary>An error answered by the daemon (its stable Code, e.g. card-removed), or
    /// "unreachable" when it does not answer.</summary>
    public sealed class CccdException : Exception
    {
        public string Code { get; private set; }

        public CccdException(string code, string message) : base(code + ": " + message)
        {
            Code = code;
        }
    }

    public sealed class CccdClient : IDisposable
    {
        readonly HttpClient http;
        readonly string url;

        public CccdClient(string url, string apiKey)
        {
            this.url = url.TrimEnd('/');
            // No client-wide timeout: the event stream stays open; each call has its own.
            http = new HttpClient { BaseAddress = new Uri(this.url + "/"), Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        public static T FromJson<T>(string json)
        {
            using (var s = new MemoryStream(Encoding.UTF8.GetBytes(json)))
            {
                return (T)new DataContractJsonSerializer(typeof(T)).ReadObject(s);
            }
        }

        static string ToJson<T>(T value)
        {
            using (var s = new MemoryStream())
            {
                new DataContractJsonSerializer(typeof(T)).WriteObject(s, value);
                return Encoding.UTF8.GetString(s.ToArray());
            }
        }

        CccdException Unreachable(Exception e)
        {
            return new CccdException("unreachable",
                "Không kết nối được với cccd-bridge tại " + url + ": dịch vụ cccd-bridge chưa chạy? / Cannot reach cccd-bridge at " + url + ": is the cccd-bridge service running? (" + e.Message + ")");
        }

        async Task<T> SendAsync<T>(HttpMethod method, string path, string body, TimeSpan timeout) where T : class
        {
            using (var cancel = new CancellationTokenSource(timeout))
            using (var request = new HttpRequestMessage(method, path.TrimStart('/')))
            {
                if (body != null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }
                HttpResponseMessage response;
                try
                {
                    response = await http.SendAsync(request, cancel.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    throw Unreachable(e);
                }
                using (response)
                {
                    var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                    {
                        var error = text.Length > 0 ? FromJson<ErrorBody>(text).Error : null;
                        throw error != null
                            ? new CccdException(error.Code, error.Message)
                            : new CccdException("http-" + (int)response.StatusCode, response.ReasonPhrase);
                    }
                    return text.Length == 0 ? null : FromJson<T>(text);
                }
            }
        }

        public Task<Health> HealthAsync()
        {
            return SendAsync<Health>(HttpMethod.Get, "v1/health", null, TimeSpan.FromSeconds(10));
        }

        /// <summary>Reads the card: waits for it (WaitSeconds, default 30), reads, verifies and
        /// checks eligibility; the session once done.</summary>
        public Task<Session> ReadAsync(ReadRequest request)
        {
            var wait = request.WaitSeconds ?? 30;
            return SendAsync<Session>(HttpMethod.Post, "v1/cards/read", ToJson(request), TimeSpan.FromSeconds(wait + 90));
        }

        /// <summary>The demo's virtual card on its reader (cccd demo only).</summary>
        public Task TapAsync()
        {
            return SendAsync<Health>(HttpMethod.Post, "v1/demo/tap", null, TimeSpan.FromSeconds(10));
        }

        /// <summary>Follows GET /v1/events until cancelled, reading the stream line by line:
        /// onEvent(name, data JSON) for each event (keep-alive comments are skipped); onOpen once
        /// the stream is up. Reconnect by calling it again (Last-Event-ID resumes).</summary>
        public async Task FollowEventsAsync(Action<string, string> onEvent, Action onOpen, CancellationToken cancel)
        {
            using (var request = new HttpRequestMessage(HttpMethod.Get, "v1/events"))
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                HttpResponseMessage response;
                try
                {
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    throw Unreachable(e);
                }
                using (response)
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new CccdException("http-" + (int)response.StatusCode, "the event stream was refused");
                    }
                    if (onOpen != null) onOpen();
                    using (var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                    using (var reader = new StreamReader(stream, new UTF8Encoding(false)))
                    using (cancel.Register(() => response.Dispose()))
                    {
                        string name = null;
                        var data = new StringBuilder();
                        while (!cancel.IsCancellationRequested)
                        {
                            string line;
                            try
                            {
                                line = await reader.ReadLineAsync().ConfigureAwait(false);
                            }
                            catch (Exception) when (cancel.IsCancellationRequested)
                            {
                                return;
                            }
                            if (line == null) return;
                            if (line.Length == 0)
                            {
                                if (name != null) onEvent(name, data.ToString());
                                name = null;
                                data.Clear();
                            }
                            else if (line.StartsWith("event:", StringComparison.Ordinal))
                            {
                                name = line.Substring(6).Trim();
                            }
                            else if (line.StartsWith("data:", StringComparison.Ordinal))
                            {
                                data.Append(line.Substring(5).TrimStart());
                            }
                        }
                    }
                }
            }
        }

        public void Dispose()
        {
            http.Dispose();
        }
    }
}
